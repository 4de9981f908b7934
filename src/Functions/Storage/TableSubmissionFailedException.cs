using Azure;

namespace Blueshift.Functions.Storage;

/// <summary>
/// A submission to <see cref="TableGroupCommit"/> failed and none of its actions took effect.
/// <see cref="FailedActionIndex"/> names the failing action within the submission (not within the batch it shared);
/// <see cref="RequestFailedException.Status"/> and <see cref="RequestFailedException.ErrorCode"/> are the service's.
/// </summary>
public sealed class TableSubmissionFailedException(int status, string message, string? errorCode, int failedActionIndex, Exception? innerException = null)
    : RequestFailedException(status, message, errorCode, innerException)
{
    /// <summary>The index of the failing action in the submitted list.</summary>
    public int FailedActionIndex { get; } = failedActionIndex;
}
