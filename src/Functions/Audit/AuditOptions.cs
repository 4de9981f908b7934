namespace Blueshift.Functions.Audit;

public sealed class AuditOptions
{
    public const string SectionName = "Blueshift:Audit";

    /// <summary>The table that holds the audit trail, in the <c>AzureWebJobsStorage</c> account.</summary>
    public string TableName { get; set; } = "BlueshiftAudit";
}
