namespace Blueshift.Functions.Api;

/// <summary>Settings of the HTTP API (section <c>Blueshift:Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Blueshift:Api";

    /// <summary>
    /// Accepts plain-http package and notification URIs to loopback hosts, for local runs against emulators.
    /// Off by default: in Azure everything Blueshift fetches or calls is https.
    /// </summary>
    public bool AllowLoopbackHttp { get; set; }

    /// <summary>The table of the managed-app registry, in the <c>AzureWebJobsStorage</c> account.</summary>
    public string AppsTable { get; set; } = "BlueshiftApps";

    /// <summary>
    /// How old the in-memory copy of the registry that routes alerts to apps may get: a registration changed on another
    /// instance reaches alert routing within this time (one written here, and any app this copy lacks, at once).
    /// Zero looks every alert's resource up in storage.
    /// </summary>
    public TimeSpan AlertRoutingRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The widest window one audit query may span, so a single call cannot scan the whole trail.</summary>
    public TimeSpan MaxAuditRange { get; set; } = TimeSpan.FromDays(31);

    /// <summary>The most audit records one query returns; the answer says when there were more.</summary>
    public int MaxAuditRecords { get; set; } = 1000;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrEmpty(AppsTable) || AppsTable.Length is < 3 or > 63 || !char.IsAsciiLetter(AppsTable[0]) || !AppsTable.All(char.IsAsciiLetterOrDigit))
        {
            yield return $"{Section}:AppsTable must be a table name: 3 to 63 letters and digits, starting with a letter.";
        }
        if (AlertRoutingRefresh < TimeSpan.Zero || AlertRoutingRefresh > TimeSpan.FromMinutes(10))
        {
            yield return $"{Section}:AlertRoutingRefresh must be between 0 and 10 minutes.";
        }
        if (MaxAuditRange <= TimeSpan.Zero || MaxAuditRange > TimeSpan.FromDays(731))
        {
            yield return $"{Section}:MaxAuditRange must be positive and at most 731 days (the audit retention).";
        }
        if (MaxAuditRecords is < 1 or > 10_000)
        {
            yield return $"{Section}:MaxAuditRecords must be between 1 and 10000.";
        }
    }
}
