using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Blueshift.Functions.Apps;

namespace Blueshift.Functions.Api;

/// <summary>Shape rules shared by the API's bodies. Pure: they only read values and report into <see cref="FieldErrors"/>.</summary>
internal static partial class FieldRules
{
    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);
    public const int MaxTrafficSteps = 20;
    public const int MaxSmokeTests = 20;

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex AppNamePattern();

    // App Service slot names: letters, digits and hyphens; the site name plus slot must stay under 60 characters.
    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,57}[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex SlotNamePattern();

    [GeneratedRegex(@"^P(?!$)(?:(?<d>\d{1,4})D)?(?:T(?=\d)(?:(?<h>\d{1,5})H)?(?:(?<m>\d{1,6})M)?(?:(?<s>\d{1,8}(?:\.\d{1,7})?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDurationPattern();

    public static bool IsAppName(string? value) => value is not null && AppNamePattern().IsMatch(value);

    public static bool IsSlotName(string? value) => value is not null && SlotNamePattern().IsMatch(value);

    public static void AppName(FieldErrors errors, string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(field, "Required: the managed app's name.");
        }
        else if (!IsAppName(value))
        {
            errors.Add(field, "Use 1–60 lowercase letters, digits and hyphens, starting and ending with a letter or digit.");
        }
    }

    public static void SlotName(FieldErrors errors, string field, string? value)
    {
        if (value is not null && (!IsSlotName(value) || value.Equals("production", StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add(field, "Use the name of a deployment slot (letters, digits and hyphens, at most 59 characters), not 'production'.");
        }
    }

    public static void Text(FieldErrors errors, string field, string? value, int maxLength, bool required, string purpose)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(field, $"Required: {purpose}.");
            }
            else if (value is not null && value.Length > 0)
            {
                errors.Add(field, "Must not be blank; leave it out instead.");
            }
            return;
        }
        if (value.Length > maxLength)
        {
            errors.Add(field, $"At most {maxLength} characters.");
        }
        if (value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            errors.Add(field, "Must not contain control characters.");
        }
    }

    /// <summary>Ascending percentages between 1 and 100 that end at 100 (the last step is the full cut-over).</summary>
    public static IReadOnlyList<int>? TrafficSteps(FieldErrors errors, string field, IReadOnlyList<int>? steps)
    {
        if (steps is null)
        {
            return null;
        }
        var before = errors.Count;
        if (steps.Count is 0 or > MaxTrafficSteps)
        {
            errors.Add(field, $"Give 1 to {MaxTrafficSteps} steps, e.g. [10, 25, 50, 100].");
            return null;
        }
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i] is < 1 or > 100)
            {
                errors.Add($"{field}[{i}]", "A traffic step is a percentage between 1 and 100.");
            }
            else if (i > 0 && steps[i] <= steps[i - 1])
            {
                errors.Add($"{field}[{i}]", "Steps must be strictly ascending.");
            }
        }
        if (steps[^1] != 100)
        {
            errors.Add(field, "The last step must be 100 (the full cut-over before the swap).");
        }
        return errors.Count == before ? steps : null;
    }

    /// <summary>Parses an ISO 8601 duration (<c>PT15M</c>) or a .NET time span (<c>00:15:00</c>) within [1 s, 24 h].</summary>
    public static TimeSpan? Duration(FieldErrors errors, string field, string? value)
    {
        if (value is null)
        {
            return null;
        }
        if (!TryParseDuration(value, out var duration))
        {
            errors.Add(field, "Use an ISO 8601 duration such as 'PT15M' or a time span such as '00:15:00' (days, hours, minutes, seconds; no months or years).");
            return null;
        }
        if (duration < MinDuration || duration > MaxDuration)
        {
            errors.Add(field, $"Must be between {MinDuration:c} and {MaxDuration.TotalHours} hours.");
            return null;
        }
        return duration;
    }

    public static bool TryParseDuration(string value, out TimeSpan duration)
    {
        duration = default;
        if (value.Length is 0 or > 40)
        {
            return false;
        }
        var iso = IsoDurationPattern().Match(value);
        if (iso.Success)
        {
            try
            {
                duration = TimeSpan.FromDays(Group(iso, "d"))
                    + TimeSpan.FromHours(Group(iso, "h"))
                    + TimeSpan.FromMinutes(Group(iso, "m"))
                    + TimeSpan.FromSeconds(Group(iso, "s"));
                return true;
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        return TimeSpan.TryParseExact(value, "c", CultureInfo.InvariantCulture, out duration);

        static double Group(Match match, string name) =>
            match.Groups[name].Success ? double.Parse(match.Groups[name].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>
    /// An absolute URI Blueshift will call or hand to Azure. HTTPS always; plain HTTP only to a loopback host and only when
    /// <paramref name="allowLoopbackHttp"/> (local runs against emulators), so nothing travels unencrypted in Azure.
    /// </summary>
    public static Uri? OutboundUri(FieldErrors errors, string field, string? value, bool allowLoopbackHttp, bool required, string purpose)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required || value is not null)
            {
                errors.Add(field, $"Required: {purpose}, as an absolute https URI.");
            }
            return null;
        }
        if (value.Length > 2048 || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            errors.Add(field, $"Must be an absolute https URI (at most 2048 characters): {purpose}.");
            return null;
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add(field, "Must not carry credentials in the URI; Blueshift takes credentials from its settings.");
            return null;
        }
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return uri;
        }
        if (uri.Scheme == Uri.UriSchemeHttp && allowLoopbackHttp && IsLoopback(uri))
        {
            return uri;
        }
        errors.Add(field, allowLoopbackHttp
            ? "Must use https (plain http is accepted for loopback hosts only)."
            : "Must use https.");
        return null;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));

    public static IReadOnlyList<SmokeTest>? SmokeTests(FieldErrors errors, string field, IReadOnlyList<SmokeTestBody?>? tests)
    {
        if (tests is null)
        {
            return null;
        }
        if (tests.Count > MaxSmokeTests)
        {
            errors.Add(field, $"At most {MaxSmokeTests} smoke tests.");
            return null;
        }
        var result = new List<SmokeTest>(tests.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < tests.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (tests[i] is not { } test)
            {
                errors.Add(at, "A smoke test is an object: {\"name\", \"path\", \"expectedStatus\", \"bodyContains\", \"critical\"}.");
                continue;
            }
            var before = errors.Count;
            Text(errors, $"{at}.name", test.Name, 64, required: true, "a short name for the check");
            if (test.Name is not null && !names.Add(test.Name))
            {
                errors.Add($"{at}.name", "Smoke test names must be unique.");
            }
            if (string.IsNullOrEmpty(test.Path))
            {
                errors.Add($"{at}.path", "Required: the path to request on the slot, e.g. '/health/ready'.");
            }
            else if (!IsRelativePath(test.Path))
            {
                errors.Add($"{at}.path", "Must be a path on the app starting with '/' (no scheme, host or '//'), at most 512 characters.");
            }
            if (test.ExpectedStatus is { } status && status is < 100 or > 599)
            {
                errors.Add($"{at}.expectedStatus", "Must be an HTTP status code between 100 and 599.");
            }
            if (test.BodyContains is not null)
            {
                Text(errors, $"{at}.bodyContains", test.BodyContains, 256, required: false, "text the response must contain");
            }
            if (errors.Count == before)
            {
                result.Add(new SmokeTest(test.Name!, test.Path!, test.ExpectedStatus ?? 200, test.BodyContains, test.Critical ?? true));
            }
        }
        return result;
    }

    /// <summary>A path on the app under test: rooted, without a scheme or authority that could point the check elsewhere.</summary>
    public static bool IsRelativePath(string path) =>
        path.Length <= 512
        && path.StartsWith('/')
        && !path.StartsWith("//", StringComparison.Ordinal)
        && !path.Contains('\\')
        && !path.Any(char.IsControl)
        && !path.Any(char.IsWhiteSpace)
        && Uri.TryCreate(path, UriKind.Relative, out _);
}

/// <summary>A smoke test as callers send it; missing fields take the defaults of <see cref="SmokeTest"/>.</summary>
public sealed record SmokeTestBody(string? Name, string? Path, int? ExpectedStatus = null, string? BodyContains = null, bool? Critical = null);
