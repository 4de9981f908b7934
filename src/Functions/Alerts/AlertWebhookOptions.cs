namespace Blueshift.Functions.Alerts;

/// <summary>The Azure Monitor alert webhook's settings (section <c>Blueshift:Alerts</c>), validated at start-up.</summary>
public sealed class AlertWebhookOptions
{
    public const string SectionName = "Blueshift:Alerts";

    /// <summary>
    /// Keys the webhook accepts in <c>x-functions-key</c> or <c>?code=</c>, compared by Blueshift itself in fixed time
    /// (typically the alert function's key, as a Key Vault reference). This is what protects the webhook when the handler
    /// runs without the Functions host in front of it.
    /// </summary>
    public string[] FunctionKeys { get; set; } = [];

    /// <summary>
    /// When the Functions host started the worker (<c>Functions:Worker:HostEndpoint</c> set; the local host sets it too), the
    /// host has already checked the key against the function's <c>authLevel: function</c>, so a presented key is enough.
    /// An app run any other way (tests) never has this: then only <see cref="FunctionKeys"/> let a call in.
    /// </summary>
    public bool TrustFunctionsHostKeyCheck { get; set; } = true;

    /// <summary>The id Azure Monitor is audited under when it calls with a function key.</summary>
    public string CallerId { get; set; } = "azure-monitor";

    /// <summary>The table of delivery claims that makes each alert act once across instances.</summary>
    public string TableName { get; set; } = "BlueshiftAlerts";

    /// <summary>Bodies above this size are refused with 413; Azure's own payloads are a few KB.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The whole answer, rollback included, must come within this time: action groups give up on slow webhooks. Work that
    /// does not finish in time is answered 503 with <see cref="RetryAfter"/>, so the action group delivers again.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(8);

    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A claim older than this whose owner never finished (a crashed instance) may be taken over by a redelivery.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an instance remembers answers in memory, so a storm of redeliveries never reaches storage.</summary>
    public TimeSpan AnswerCacheTime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many answers the in-memory cache holds.</summary>
    public int AnswerCacheSize { get; set; } = 10_000;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (FunctionKeys.Any(k => string.IsNullOrWhiteSpace(k) || k.Length < 16))
        {
            problems.Add($"{SectionName}:FunctionKeys: every key must have at least 16 characters.");
        }
        if (string.IsNullOrWhiteSpace(CallerId))
        {
            problems.Add($"{SectionName}:CallerId must not be empty.");
        }
        if (string.IsNullOrWhiteSpace(TableName) || TableName.Length is < 3 or > 63 || !char.IsAsciiLetter(TableName[0]) || !TableName.All(char.IsAsciiLetterOrDigit))
        {
            problems.Add($"{SectionName}:TableName must be 3-63 letters and digits, starting with a letter.");
        }
        if (MaxBodyBytes is < 1024 or > 4 * 1024 * 1024)
        {
            problems.Add($"{SectionName}:MaxBodyBytes must be between 1024 and 4194304.");
        }
        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromSeconds(30))
        {
            problems.Add($"{SectionName}:RequestTimeout must be positive and at most 30 seconds (action groups stop waiting).");
        }
        if (RetryAfter < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{SectionName}:RetryAfter must be at least one second.");
        }
        if (ClaimLease <= RequestTimeout)
        {
            problems.Add($"{SectionName}:ClaimLease must be longer than RequestTimeout, or a live claim could be taken over.");
        }
        if (AnswerCacheTime < TimeSpan.Zero || AnswerCacheSize < 0)
        {
            problems.Add($"{SectionName}:AnswerCacheTime and AnswerCacheSize must not be negative.");
        }
        return problems;
    }
}
