namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// The names the release orchestrations and activities are registered under: the names the task hub records in every
/// instance's history, so renaming one breaks releases in flight.
/// </summary>
internal static class ReleaseActivityNames
{
    public const string DescribeSlots = "DescribeSlots";
    public const string StartDeploy = "StartDeploy";
    public const string PollOperation = "PollOperation";
    public const string StampMarker = "StampMarker";
    public const string RouteTraffic = "RouteTraffic";
    public const string ClearRouting = "ClearRouting";
    public const string ProductionHolds = "ProductionHolds";
    public const string RequestSwap = "RequestSwap";
    public const string MeasureWindow = "MeasureWindow";
    public const string MeasureCanary = "MeasureCanary";
    public const string ProbeHealth = "ProbeHealth";
    public const string RunSmokeTests = "RunSmokeTests";
    public const string Notify = "Notify";
    public const string RecordAudit = "RecordAudit";
    public const string EvaluateApprovals = "EvaluateApprovals";
    public const string EvaluateWindow = "EvaluateWindow";
    public const string FinishRelease = "FinishRelease";
    public const string ReclaimApp = "ReclaimApp";
}
