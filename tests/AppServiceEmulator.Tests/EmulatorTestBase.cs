namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>An emulator per test on a manual clock, with the site "app" (production + staging) and an ARM client.</summary>
public abstract class EmulatorTestBase : IAsyncLifetime
{
    protected ManualTimeProvider Clock { get; } = new();
    protected AppServiceEmulatorServer Emulator { get; private set; } = null!;
    internal ArmTestClient Arm { get; private set; } = null!;
    protected EmulatedSite Site { get; private set; } = null!;

    protected virtual EmulatorOptions Options(ManualTimeProvider clock) => new() { TimeProvider = clock, SimulateLatency = false, OperationRetryAfter = TimeSpan.Zero };

    protected static string SitePath(string? slot = null) => ArmTestClient.SitePath("app", slot);

    public async Task InitializeAsync()
    {
        Emulator = await AppServiceEmulatorServer.StartAsync(Options(Clock));
        Arm = new ArmTestClient(Emulator);
        Site = await Emulator.CreateSiteAsync(ArmTestClient.Subscription, ArmTestClient.ResourceGroup, "app", ["staging"]);
    }

    public async Task DisposeAsync()
    {
        Arm.Dispose();
        await Emulator.DisposeAsync();
    }
}
