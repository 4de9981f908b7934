using System.Globalization;

namespace Blueshift.Storage.Tables;

/// <summary>Formats OData literals for Table service filters and entity keys.</summary>
internal static class TableQueryFilter
{
    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var arguments = filter.GetArguments().Select(Literal).ToArray<object?>();
        return string.Format(CultureInfo.InvariantCulture, filter.Format, arguments);
    }

    public static string Literal(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        char c => Quote(c.ToString()),
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        // A whole double written as "2" would be an Int32 literal and never equal an Edm.Double property.
        double d => WithDecimalPoint(d.ToString("R", CultureInfo.InvariantCulture)),
        DateTimeOffset dto => $"datetime'{TableEntityJson.FormatDateTime(dto)}'",
        DateTime dt => $"datetime'{TableEntityJson.FormatDateTime(new DateTimeOffset(DateTime.SpecifyKind(dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt, DateTimeKind.Utc)))}'",
        Guid g => $"guid'{g:D}'",
        byte[] bytes => $"X'{Convert.ToHexStringLower(bytes)}'",
        _ => throw new ArgumentException(
            $"A filter argument of type {value.GetType().Name} is not supported; use string, bool, int, long, double, DateTimeOffset, Guid or byte[].",
            nameof(value)),
    };

    /// <summary>Quotes a string the OData way: in single quotes, each single quote doubled.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string WithDecimalPoint(string number) =>
        number.AsSpan().IndexOfAny(".EN") >= 0 || number.Contains("Infinity", StringComparison.Ordinal) ? number : number + ".0";
}
