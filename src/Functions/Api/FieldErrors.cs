namespace Blueshift.Functions.Api;

/// <summary>Collects validation errors per field (JSON path, e.g. <c>smokeTests[1].path</c>) while a body is checked.</summary>
internal sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    /// <summary>How many messages so far, so a rule can tell whether it added any.</summary>
    public int Count { get; private set; }

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
        Count++;
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
