using System.Text.RegularExpressions;

namespace Blueshift.AppServiceEmulator;

public enum ArmFaultKind
{
    /// <summary>429 Too Many Requests with a Retry-After header.</summary>
    Throttle,

    /// <summary>A 5xx ARM error.</summary>
    ServerError,

    /// <summary>Added latency before the call is handled normally.</summary>
    Latency,
}

/// <summary>A fault applied to the next <see cref="Remaining"/> ARM calls whose path matches <see cref="PathPattern"/> (a regular expression, case-insensitive) and, if set, whose method is <see cref="Method"/>.</summary>
public sealed record ArmFault(ArmFaultKind Kind, string PathPattern, int Remaining, string? Method = null, TimeSpan RetryAfter = default, int StatusCode = 500, TimeSpan Latency = default);

/// <summary>
/// What the next restore of a site does besides restoring: it runs <see cref="Duration"/> by the clock however often it is
/// polled (a slow restore), and/or the restored slot's health path answers 503 (a restore that never becomes healthy).
/// </summary>
/// <param name="Site">The site whose next restore it applies to; null for any site.</param>
public sealed record RestoreFault(string? Site, bool Unhealthy = false, TimeSpan? Duration = null);

/// <summary>Faults injected into the emulated ARM and apps. Thread-safe; faults are consumed in the order added.</summary>
public sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<(ArmFault Fault, Regex Pattern, int Remaining)> _armFaults = [];
    private readonly List<(OperationKind Kind, string? Site, ArmError Error)> _operationFaults = [];
    private readonly List<RestoreFault> _restoreFaults = [];
    private readonly AppServiceEmulatorServer _server;

    internal FaultInjector(AppServiceEmulatorServer server)
    {
        _server = server;
    }

    /// <summary>The next <paramref name="count"/> matching ARM calls answer 429 with <c>Retry-After: {retryAfter}</c> seconds.</summary>
    public void ThrottleArm(string pathPattern, int count, TimeSpan retryAfter, string? method = null) =>
        AddArmFault(new ArmFault(ArmFaultKind.Throttle, pathPattern, count, method, RetryAfter: retryAfter, StatusCode: 429));

    /// <summary>The next <paramref name="count"/> matching ARM calls answer <paramref name="statusCode"/> (5xx) with an ARM error.</summary>
    public void FailArm(string pathPattern, int count, int statusCode = 500, string? method = null)
    {
        if (statusCode is < 500 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "Server errors are 5xx.");
        }
        AddArmFault(new ArmFault(ArmFaultKind.ServerError, pathPattern, count, method, StatusCode: statusCode));
    }

    /// <summary>The next <paramref name="count"/> matching ARM calls are delayed by <paramref name="latency"/> (real time) and then handled.</summary>
    public void DelayArm(string pathPattern, TimeSpan latency, int count, string? method = null) =>
        AddArmFault(new ArmFault(ArmFaultKind.Latency, pathPattern, count, method, Latency: latency));

    public void AddArmFault(ArmFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (fault.Remaining <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fault), fault.Remaining, "A fault applies to at least one call.");
        }
        if (fault.RetryAfter < TimeSpan.Zero || fault.Latency < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(fault), "Retry-After and latency cannot be negative.");
        }
        Regex pattern;
        try
        {
            pattern = new Regex(fault.PathPattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"'{fault.PathPattern}' is not a valid regular expression: {ex.Message}", nameof(fault), ex);
        }
        lock (_gate) { _armFaults.Add((fault, pattern, fault.Remaining)); }
    }

    /// <summary>The next long-running operation of <paramref name="kind"/> (on <paramref name="siteName"/>, or any site) fails with this ARM error code.</summary>
    public void FailNextOperation(OperationKind kind, string? siteName = null, string code = "InternalServerError", string? message = null)
    {
        var error = new ArmError(500, code, message ?? $"The {kind.ToString().ToLowerInvariant()} operation failed (injected fault).");
        lock (_gate) { _operationFaults.Add((kind, siteName, error)); }
    }

    /// <summary>The next restore (of <paramref name="siteName"/>, or of any site) succeeds, but the restored slot's health path answers 503.</summary>
    public void MakeNextRestoreUnhealthy(string? siteName = null) => AddRestoreFault(new RestoreFault(siteName, Unhealthy: true));

    /// <summary>The next restore (of <paramref name="siteName"/>, or of any site) runs <paramref name="duration"/> by the emulator's clock, however often it is polled.</summary>
    public void SlowNextRestore(TimeSpan duration, string? siteName = null) => AddRestoreFault(new RestoreFault(siteName, Duration: duration));

    public void AddRestoreFault(RestoreFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (fault.Duration is { } duration && duration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(fault), duration, "A restore cannot take a negative time.");
        }
        if (!fault.Unhealthy && fault.Duration is null)
        {
            throw new ArgumentException("A restore fault makes the restored slot unhealthy, the restore slow, or both.", nameof(fault));
        }
        lock (_gate) { _restoreFaults.Add(fault); }
    }

    /// <summary>Restore faults not yet taken by a restore.</summary>
    public IReadOnlyList<RestoreFault> PendingRestoreFaults()
    {
        lock (_gate) { return [.. _restoreFaults]; }
    }

    /// <summary>
    /// Makes the slot unreachable (its listener drops every request without an answer; the front door answers 502 for it)
    /// or reachable again. Takes effect at once: the task is complete when it returns.
    /// </summary>
    public Task SetSlotReachableAsync(EmulatedSlot slot, bool reachable, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _server.SetSlotReachable(slot, reachable);
        return Task.CompletedTask;
    }

    /// <summary>Faults that still apply, with their remaining counts.</summary>
    public IReadOnlyList<ArmFault> PendingArmFaults()
    {
        lock (_gate) { return _armFaults.Select(f => f.Fault with { Remaining = f.Remaining }).ToList(); }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _armFaults.Clear();
            _operationFaults.Clear();
            _restoreFaults.Clear();
        }
    }

    internal ArmFault? TakeArmFault(string method, string path)
    {
        lock (_gate)
        {
            for (var i = 0; i < _armFaults.Count; i++)
            {
                var (fault, pattern, remaining) = _armFaults[i];
                if ((fault.Method is null || string.Equals(fault.Method, method, StringComparison.OrdinalIgnoreCase)) && pattern.IsMatch(path))
                {
                    if (remaining <= 1)
                    {
                        _armFaults.RemoveAt(i);
                    }
                    else
                    {
                        _armFaults[i] = (fault, pattern, remaining - 1);
                    }
                    return fault;
                }
            }
            return null;
        }
    }

    internal RestoreFault? TakeRestoreFault(string siteName)
    {
        lock (_gate)
        {
            var index = _restoreFaults.FindIndex(f => f.Site is null || string.Equals(f.Site, siteName, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                return null;
            }
            var fault = _restoreFaults[index];
            _restoreFaults.RemoveAt(index);
            return fault;
        }
    }

    internal ArmError? TakeOperationFault(OperationKind kind, string siteName)
    {
        lock (_gate)
        {
            var index = _operationFaults.FindIndex(f => f.Kind == kind && (f.Site is null || string.Equals(f.Site, siteName, StringComparison.OrdinalIgnoreCase)));
            if (index < 0)
            {
                return null;
            }
            var error = _operationFaults[index].Error;
            _operationFaults.RemoveAt(index);
            return error;
        }
    }
}
