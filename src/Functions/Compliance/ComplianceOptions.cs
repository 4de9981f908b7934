namespace Blueshift.Functions.Compliance;

/// <summary>Settings of the compliance jobs (configuration section <c>Blueshift:Compliance</c>); schedules are read by the timers.</summary>
public sealed class ComplianceOptions
{
    public const string SectionName = "Blueshift:Compliance";

    /// <summary>The table that keeps findings, in the <c>AzureWebJobsStorage</c> account.</summary>
    public string FindingsTable { get; set; } = "ComplianceFindings";

    /// <summary>The table that keeps each job's last run, for <c>GET /api/compliance/status</c>.</summary>
    public string RunsTable { get; set; } = "ComplianceRuns";

    /// <summary>How many apps a job checks at once; between batches the job's orchestration starts afresh, so its history stays small.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>The most findings one page of <c>GET /api/compliance/findings</c> holds.</summary>
    public int MaxPageSize { get; set; } = 100;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(FindingsTable))
        {
            problems.Add($"{SectionName}:FindingsTable is required.");
        }
        if (string.IsNullOrWhiteSpace(RunsTable))
        {
            problems.Add($"{SectionName}:RunsTable is required.");
        }
        if (BatchSize is < 1 or > 1000)
        {
            problems.Add($"{SectionName}:BatchSize must be between 1 and 1000.");
        }
        if (MaxPageSize is < 1 or > 1000)
        {
            problems.Add($"{SectionName}:MaxPageSize must be between 1 and 1000.");
        }
        return problems;
    }
}
