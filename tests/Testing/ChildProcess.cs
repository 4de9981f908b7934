using System.Diagnostics;
using System.Text;

namespace Blueshift.Testing;

/// <summary>
/// A process a test starts (a tool's published entry point, a script), with its standard output and error captured
/// line by line, bounded waits on what it prints and on its exit, and its whole tree killed on dispose.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();
    private TaskCompletionSource _printed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything printed so far, standard output and error interleaved as they arrived.</summary>
    public string Output
    {
        get { lock (_gate) { return _output.ToString(); } }
    }

    /// <summary>Starts <paramref name="fileName"/>; <c>dotnet</c> plus a tool's dll runs a tool the way run.sh does.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits, bounded, until the output contains a line that <paramref name="match"/> accepts, and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        using var bound = new CancellationTokenSource(timeout);
        while (true)
        {
            Task printed;
            lock (_gate)
            {
                var line = _output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(match);
                if (line is not null)
                {
                    return line;
                }
                printed = _printed.Task;
            }
            if (_process.HasExited)
            {
                // The exit may race the last lines: read them all before judging.
                await _process.WaitForExitAsync(CancellationToken.None);
                var last = Output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(match);
                return last ?? throw new InvalidOperationException($"The process exited with code {_process.ExitCode} before {what}. Output:\n{Output}");
            }
            try
            {
                await Task.WhenAny(printed, _process.WaitForExitAsync(bound.Token)).WaitAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{what} did not happen within {timeout}. Output:\n{Output}");
            }
        }
    }

    /// <summary>Waits, bounded, for the process to exit (and for its output to be read to the end); returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var bound = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The process did not exit within {timeout}. Output:\n{Output}");
        }
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        TaskCompletionSource printed;
        lock (_gate)
        {
            _output.AppendLine(line);
            printed = _printed;
            _printed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        printed.TrySetResult();
    }
}
