using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Blueshift.LocalFunctionsHost.FunctionApp;

/// <summary>
/// Starts the custom handler the way the Functions host does: the executable from host.json, the app settings as
/// environment, <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> set to a free loopback port; then waits until it listens.
/// Stopping kills the handler's whole process tree. If the handler exits on its own, every call would answer 502 from
/// then on, so the host logs which handler died with its exit code and stops; Program then exits non-zero.
/// </summary>
internal sealed partial class HandlerProcess(FunctionAppFolder app, LocalSettings settings, IHostApplicationLifetime lifetime, ILogger<HandlerProcess> logger)
    : IHostedService, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private volatile bool _stopping;

    /// <summary>Set when the handler exited without the host asking it to: what it was and how it ended.</summary>
    public HandlerExit? UnexpectedExit { get; private set; }

    /// <summary>The handler's process id while it runs.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>Completes with the handler's base address once it accepts connections.</summary>
    public Task<Uri> Ready => _ready.Task;

    /// <summary>The handler's address once it answers, or null when the host stops first.</summary>
    public async Task<Uri?> WaitUntilReadyAsync(CancellationToken stoppingToken)
    {
        try
        {
            return await Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var handler = app.Handler;
        if (!File.Exists(handler.ExecutablePath))
        {
            throw new FunctionAppException($"The custom handler {handler.ExecutablePath} (host.json customHandler.description.defaultExecutablePath) does not exist.");
        }
        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo(handler.ExecutablePath)
        {
            WorkingDirectory = handler.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in handler.Arguments)
        {
            start.ArgumentList.Add(AppSettingReference().Replace(argument, m => settings.Values.GetValueOrDefault(m.Groups[1].Value) ?? Environment.GetEnvironmentVariable(m.Groups[1].Value) ?? ""));
        }
        foreach (var (name, value) in settings.Values)
        {
            start.Environment[name] = value;
        }
        // One line per handler log entry, so they interleave readably with the host's own.
        start.Environment.TryAdd("Logging__Console__FormatterOptions__SingleLine", "true");
        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        _process = Process.Start(start) ?? throw new FunctionAppException($"Could not start {handler.ExecutablePath}.");
        var process = _process;
        var processId = process.Id;
        // Readers first: a handler that dies at once must still have its output drained before its exit is reported.
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Log.HandlerOutput(logger, e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Log.HandlerOutput(logger, e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        process.Exited += (_, _) => OnExited(process, processId);
        process.EnableRaisingEvents = true;
        Log.HandlerStarting(logger, handler.ExecutablePath, _process.Id, port);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new FunctionAppException($"The custom handler exited with code {_process.ExitCode} before listening on port {port}; its output is in the log above.");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                break;
            }
            catch (SocketException)
            {
                // Not listening yet; the loop is bounded by StartTimeout.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FunctionAppException($"The custom handler did not listen on port {port} within {StartTimeout.TotalSeconds:0} s.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
        }
        Log.HandlerReady(logger, port);
        _ready.TrySetResult(new Uri($"http://127.0.0.1:{port}"));
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Kill();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _process = null;
    }

    private void OnExited(Process process, int processId)
    {
        if (_stopping)
        {
            return;
        }
        // Exited can fire before the redirected output is read to the end; WaitForExit() without a timeout drains the
        // asynchronous readers, so the handler's last lines (its crash trace) are logged before the exit is. Bounded, because
        // a child of the handler still holding its output open would otherwise keep the host from ever stopping.
        Task.Run(process.WaitForExit).Wait(OutputDrainTimeout);
        var exit = new HandlerExit(Path.GetFileName(app.Handler.ExecutablePath), app.Handler.ExecutablePath, processId, process.ExitCode);
        UnexpectedExit = exit;
        Log.HandlerExited(logger, exit.Name, exit.ProcessId, exit.ExitCode, exit.ExecutablePath);
        lifetime.StopApplication();
    }

    private void Kill()
    {
        _stopping = true;
        _ready.TrySetCanceled();
        if (_process is { HasExited: false })
        {
            Log.HandlerStopping(logger, _process.Id);
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A handler that exited on its own: its name, path, process id and exit code.</summary>
    public sealed record HandlerExit(string Name, string ExecutablePath, int ProcessId, int ExitCode)
    {
        public override string ToString() =>
            $"The custom handler {Name} (pid {ProcessId}, {ExecutablePath}) exited unexpectedly with code {ExitCode}; the local Functions host stopped with it.";
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex AppSettingReference();
}
