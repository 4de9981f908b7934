namespace Blueshift.Domain.Alerts;

/// <summary>Azure Monitor severities; Sev0 is the most severe.</summary>
public enum AlertSeverity
{
    Sev0 = 0,
    Sev1 = 1,
    Sev2 = 2,
    Sev3 = 3,
    Sev4 = 4,
}

public enum MonitorCondition
{
    Fired,
    Resolved,
}

/// <summary>
/// The <c>essentials</c> of an Azure Monitor common alert schema payload. <see cref="AlertContextJson"/> keeps the
/// signal-specific <c>alertContext</c> verbatim for the audit trail; its shape differs per signal type and version.
/// <see cref="Severity"/> is null when Azure sends none (budget alerts do).
/// </summary>
public sealed record CommonAlert(
    string AlertId,
    string? AlertRule,
    AlertSeverity? Severity,
    string? SignalType,
    MonitorCondition MonitorCondition,
    string? MonitoringService,
    IReadOnlyList<string> AlertTargetIds,
    IReadOnlyList<string> ConfigurationItems,
    string? OriginAlertId,
    DateTimeOffset? FiredDateTime,
    DateTimeOffset? ResolvedDateTime,
    string? Description,
    string? EssentialsVersion,
    string? AlertContextVersion,
    string? AlertContextJson,
    IReadOnlyList<string> ImpactedServices)
{
    /// <summary>The severity as people read it in answers and the audit trail.</summary>
    public string SeverityName => Severity?.ToString() ?? "No-severity";
}

/// <summary>One precise problem with a payload: a JSON path (<c>$.data.essentials.severity</c>) and what was wrong there.</summary>
public sealed record AlertFieldError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

public abstract record AlertParseResult
{
    private AlertParseResult()
    {
    }

    public sealed record Parsed(CommonAlert Alert) : AlertParseResult;

    public sealed record Invalid(IReadOnlyList<AlertFieldError> Errors) : AlertParseResult;
}

/// <summary>
/// Limits that keep a hostile or broken payload cheap to reject. Azure's own payloads stay far below them: the largest
/// are log alerts with long search links (a few KB).
/// </summary>
public sealed record AlertParserLimits(
    int MaxPayloadBytes = 1_048_576,
    int MaxDepth = 32,
    int MaxAlertTargetIds = 100,
    int MaxConfigurationItems = 100,
    int MaxStringLength = 4096)
{
    public static AlertParserLimits Default { get; } = new();
}
