using System.Runtime.InteropServices;
using Blueshift.AppServiceEmulator;

CommandLine commandLine;
try
{
    commandLine = CommandLine.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or System.Text.Json.JsonException)
{
    Console.Error.WriteLine($"App Service emulator: {ex.Message}");
    return 2;
}

using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
{
    Port = commandLine.Port,
    SimulateLatency = commandLine.SimulateLatency,
    UseHttps = commandLine.UseHttps,
    OperationPollsToComplete = commandLine.OperationPolls,
    OperationDuration = commandLine.OperationDuration,
    TrafficRetention = commandLine.TrafficRetention,
    KeyVault = true,
    KeyVaultPort = commandLine.VaultPort,
    LoggerFactory = loggerFactory,
});
foreach (var spec in commandLine.Sites)
{
    await emulator.CreateSiteAsync(commandLine.SubscriptionId, commandLine.ResourceGroup, spec.Name, spec.Slots, AppBehaviour.Initial with { Version = commandLine.Version });
}
if (commandLine.Load is { } load)
{
    var site = emulator.Sites.Single(s => s.Name.Equals(load.Site, StringComparison.OrdinalIgnoreCase));
    emulator.Traffic.StartUnbounded(site, load.RequestsPerSecond);
}

Console.WriteLine($"ARM endpoint:     {emulator.ArmEndpoint}");
Console.WriteLine($"Control API:      {emulator.ControlEndpoint}");
if (emulator.ServerCertificate is { } certificate)
{
    Console.WriteLine($"TLS certificate:  self-signed, SHA-256 thumbprint {certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}");
}
if (emulator.KeyVault is { } vault)
{
    Console.WriteLine($"Key Vault:        {vault.VaultUri} (token {KeyVaultEmulator.DevelopmentToken}; certificate SHA-256 {vault.CertificateThumbprint}, PEM at {emulator.ControlEndpoint}vault/certificate)");
}
foreach (var site in emulator.Sites)
{
    Console.WriteLine($"Site {site.ResourceId}");
    foreach (var slot in site.Slots)
    {
        Console.WriteLine($"  {slot.Name,-12} defaultHostName {slot.DefaultHostName,-22} direct {slot.DirectEndpoint}");
    }
}
if (emulator.Traffic.Standing is { } standing)
{
    Console.WriteLine($"Synthetic users:  {standing.RequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)} requests/s on {standing.Site.Name}'s front door {standing.Site.FrontDoor} until the emulator stops");
}
Console.WriteLine("Press Ctrl+C to stop.");

// SIGTERM (run.sh stopping the stack) and SIGINT (Ctrl+C) both end Main normally, so the servers are disposed. The
// signal's default action is cancelled so the runtime does not start exiting under Main; continuations run
// asynchronously so the disposal never runs inline on the signal handler's thread (which is what made SIGTERM hang).
var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
await stopped.Task;
return 0;
