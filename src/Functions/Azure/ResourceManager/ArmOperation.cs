namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>Where a long-running Azure Resource Manager operation stands.</summary>
public enum ArmOperationStatus
{
    /// <summary>Accepted and still running: poll again after <see cref="ArmOperation.RetryAfter"/>.</summary>
    InProgress,

    /// <summary>Finished successfully.</summary>
    Succeeded,

    /// <summary>Finished unsuccessfully (failed or canceled); <see cref="ArmOperation.Error"/> says why.</summary>
    Failed,
}

/// <summary>The error Azure Resource Manager reported for a failed operation (<c>{"error":{"code","message"}}</c>).</summary>
/// <param name="Code">The ARM error code, e.g. <c>Conflict</c>.</param>
/// <param name="Message">The ARM error message, as the service wrote it.</param>
public sealed record ArmOperationError(string Code, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>
/// A handle on a long-running operation (slot swap, OneDeploy, restore). Nothing waits on it in-process: persist
/// <see cref="OperationUrl"/> and pass it to a client's <c>GetOperationStatusAsync</c> on a later tick.
/// </summary>
/// <param name="OperationUrl">
/// The URL to poll (<c>Azure-AsyncOperation</c>, else <c>Location</c>); null when the operation completed in the
/// first response. Each poll may return a newer URL: persist the latest one.
/// </param>
/// <param name="Status">Where the operation stands.</param>
/// <param name="Error">Why it failed, when <paramref name="Status"/> is <see cref="ArmOperationStatus.Failed"/>.</param>
/// <param name="RetryAfter">How long the service asked callers to wait before polling again, when it said so.</param>
public sealed record ArmOperation(string? OperationUrl, ArmOperationStatus Status, ArmOperationError? Error = null, TimeSpan? RetryAfter = null)
{
    /// <summary>True once the operation succeeded or failed.</summary>
    public bool IsCompleted => Status != ArmOperationStatus.InProgress;
}
