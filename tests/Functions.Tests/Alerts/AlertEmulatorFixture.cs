using Blueshift.AppServiceEmulator;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

/// <summary>One App Service emulator on a manual clock, shared by a test class (xunit runs a class's tests one at a time).</summary>
public sealed class AlertEmulatorFixture : IAsyncLifetime
{
    public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 17, 10, 0, 0, TimeSpan.Zero));

    public AppServiceEmulatorServer Emulator { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { TimeProvider = Time, SimulateLatency = false });

    public async Task DisposeAsync() => await Emulator.DisposeAsync();
}
