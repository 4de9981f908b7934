namespace Blueshift.AppServiceEmulator;

/// <summary>Options of the App Service emulator, validated when it starts.</summary>
public sealed class EmulatorOptions
{
    /// <summary>The clock for log timestamps, metric buckets, backup times and operation durations.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The port of the ARM and control endpoint on 127.0.0.1; 0 lets the OS pick a free one.</summary>
    public int Port { get; init; }

    /// <summary>The <c>location</c> sites report.</summary>
    public string Location { get; init; } = "East US";

    /// <summary>A long-running operation completes at its N-th status poll (Location or Azure-AsyncOperation URL)...</summary>
    public int OperationPollsToComplete { get; init; } = 2;

    /// <summary>...or once the clock has moved this far past its start, whichever comes first.</summary>
    public TimeSpan OperationDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The Retry-After the emulator answers on 202s of long-running operations (whole seconds).</summary>
    public TimeSpan OperationRetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the apps really wait their package's latencyMs (the traffic log records it either way).</summary>
    public bool SimulateLatency { get; init; } = true;

    /// <summary>
    /// Serve ARM and the control API over https with a self-signed certificate made at start-up (see
    /// <see cref="AppServiceEmulatorServer.ServerCertificate"/> and <see cref="AppServiceEmulatorServer.CreateHttpHandler"/>).
    /// Azure.Core's BearerTokenAuthenticationPolicy only sends tokens over https. The apps stay on http, as callers use them.
    /// </summary>
    public bool UseHttps { get; init; }

    /// <summary>
    /// How long the traffic log keeps a request (by <see cref="TimeProvider"/>); older requests are dropped and metrics
    /// for windows before that read as no traffic. The default hour covers the longest window Blueshift asks for locally
    /// (a 5-minute baseline plus a bake of 75 s extended three times). At most one day: at 40 requests/s that is about 3.5 million records.
    /// </summary>
    public TimeSpan TrafficRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Start the Key Vault stand-in (<see cref="AppServiceEmulatorServer.KeyVault"/>): https with its own self-signed
    /// certificate, on <see cref="KeyVaultPort"/>. Off by default in process, on in the emulator process.
    /// </summary>
    public bool KeyVault { get; init; }

    /// <summary>The Key Vault stand-in's port on 127.0.0.1; 0 lets the OS pick a free one.</summary>
    public int KeyVaultPort { get; init; }

    /// <summary>Where the emulator logs; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "The port must be 0 (any free port) or 1..65535.");
        }
        if (KeyVaultPort is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(KeyVaultPort), KeyVaultPort, "The Key Vault port must be 0 (any free port) or 1..65535.");
        }
        if (string.IsNullOrWhiteSpace(Location))
        {
            throw new ArgumentException("Location must not be empty.", nameof(Location));
        }
        if (OperationPollsToComplete < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(OperationPollsToComplete), OperationPollsToComplete, "Polls cannot be negative.");
        }
        if (TrafficRetention <= TimeSpan.Zero || TrafficRetention > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(TrafficRetention), TrafficRetention, "The traffic retention is more than 0 and at most one day.");
        }
        if (OperationDuration < TimeSpan.Zero || OperationRetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(OperationDuration), "Operation durations cannot be negative.");
        }
    }
}
