using System.Diagnostics;

namespace Blueshift.Testing;

/// <summary>
/// Publishes the function app (<c>src/Functions</c>; linux-x64 and self-contained unless asked otherwise) for tests that
/// check or run the deployable package. Test projects run in parallel, and two publishes of one project write the same build outputs, so publishes
/// from one checkout take turns through a lock file.
/// </summary>
public static class FunctionAppPublisher
{
    public static async Task PublishAsync(string folder, IReadOnlyDictionary<string, string>? environment = null, bool selfContained = true)
    {
        using var turn = await TakeTurnAsync();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] runtime = selfContained ? ["-r", "linux-x64", "--self-contained"] : [];
        foreach (var arg in (string[])["publish", "src/Functions", "-c", "Release", .. runtime, "-o", folder, "-nologo"])
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var publish = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet publish.");
        var output = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await publish.WaitForExitAsync(timeout.Token);
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}): {await output} {await errors}");
        }
    }

    // An exclusive open is an exclusive lock on Linux (.NET takes flock for FileShare.None), released when the stream closes,
    // also when the process dies.
    private static async Task<FileStream> TakeTurnAsync()
    {
        var path = RepositoryPaths.InRepository("artifacts", "publish-functions.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another test project is publishing; its publish takes tens of seconds.
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }
    }
}
