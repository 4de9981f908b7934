using System.Diagnostics;
using System.Text;
using Xunit;

namespace Blueshift.Testing;

/// <summary>
/// A real Azurite (npm package pinned in package.json) on free loopback ports with in-memory persistence.
/// Use as an xunit class or collection fixture; give every test its own table or queue name.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>The well-known development storage account (public, documented by Microsoft; not a secret).</summary>
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <summary>The Azurite process's id while it runs, for measuring its CPU time.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    public int BlobPort { get; private set; }
    public int QueuePort { get; private set; }
    public int TablePort { get; private set; }

    public Uri TableEndpoint => new($"http://127.0.0.1:{TablePort}/{AccountName}");
    public Uri QueueEndpoint => new($"http://127.0.0.1:{QueuePort}/{AccountName}");
    public Uri BlobEndpoint => new($"http://127.0.0.1:{BlobPort}/{AccountName}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    /// <summary>A name unique to this fixture, valid as a table name (letters and digits, starts with a letter).</summary>
    public static string UniqueName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..20];

    public async Task InitializeAsync()
    {
        var azurite = RepositoryPaths.InRepository("node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}: run `npm ci` in the repository root (./test.sh does it for you).");
        }

        // Free ports are picked before Azurite binds them, so a parallel fixture can take one in between; Azurite then
        // exits with EADDRINUSE. Start again on fresh ports a bounded number of times.
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnFreePortsAsync(azurite);
                return;
            }
            catch (AzuriteExitedException) when (attempt < attempts)
            {
                lock (_output) { _output.Clear(); }
            }
        }
    }

    private async Task StartOnFreePortsAsync(string azurite)
    {
        BlobPort = FreePort.Next();
        QueuePort = FreePort.Next();
        TablePort = FreePort.Next();
        var workspace = Directory.CreateTempSubdirectory("blueshift-azurite-").FullName;
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = workspace,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     azurite, "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
                     "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
                     "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
                     "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        string Diagnostics() { lock (_output) { return "Azurite said: " + _output; } }
        var timeout = TimeSpan.FromSeconds(120);
        var listening = Task.WhenAll(
            FreePort.WaitUntilListeningAsync(TablePort, timeout, Diagnostics),
            FreePort.WaitUntilListeningAsync(QueuePort, timeout, Diagnostics),
            FreePort.WaitUntilListeningAsync(BlobPort, timeout, Diagnostics));
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(listening, exited) != listening)
        {
            throw Exited(process, "before listening", Diagnostics());
        }
        await listening;
        // Something answering on a port is not proof that it is this Azurite: the process must still be alive.
        if (process.HasExited)
        {
            throw Exited(process, "after its ports answered", Diagnostics());
        }
    }

    // The exit code is read before the process is let go of (a disposed Process has none), and the fixture forgets it,
    // so a retry starts clean and DisposeAsync does not ask a disposed Process whether it exited.
    private AzuriteExitedException Exited(Process process, string when, string diagnostics)
    {
        var message = $"Azurite exited with code {process.ExitCode} {when}. {diagnostics}";
        process.Dispose();
        _process = null;
        return new AzuriteExitedException(message);
    }

    private sealed class AzuriteExitedException(string message) : InvalidOperationException(message);

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        _process?.Dispose();
        return Task.CompletedTask;
    }
}
