namespace Blueshift.Functions.Analysis;

/// <summary>Calls a slot's own host over HTTP: health checks and smoke tests.</summary>
public interface ISlotProbe
{
    /// <summary>GETs <paramref name="path"/> on <paramref name="hostName"/>; never throws for an HTTP or network failure (it is the answer).</summary>
    Task<ProbeResponse> GetAsync(string hostName, string path, CancellationToken cancellationToken);
}

/// <param name="Status">The HTTP status, or 0 when no response arrived.</param>
/// <param name="Body">The start of the body, for smoke tests that look for a string.</param>
/// <param name="Error">Why no response arrived.</param>
public sealed record ProbeResponse(int Status, string Body, string? Error = null)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public string Describe() => Error ?? $"HTTP {Status}";
}
