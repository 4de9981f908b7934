using System.Reflection;
using Blueshift.Testing;

namespace Blueshift.Infra.Tests;

/// <summary>
/// The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package this project restores: the same compiler and linter
/// `az bicep` runs, pinned by Directory.Packages.props, so a template that passes here passes on every machine.
/// </summary>
public static class BicepCli
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string> ExecutablePath = new(FindExecutable);

    /// <summary>infra/bicep, where main.bicep and its bicepconfig.json live.</summary>
    public static string InfraFolder => RepositoryPaths.InRepository("infra", "bicep");

    /// <summary>Runs <c>bicep</c> with <paramref name="arguments"/> from <paramref name="workingDirectory"/>; returns its exit code and everything it printed.</summary>
    public static async Task<BicepResult> RunAsync(string workingDirectory, params string[] arguments)
    {
        using var process = ChildProcess.Start(ExecutablePath.Value, arguments, workingDirectory);
        var exitCode = await process.WaitForExitAsync(RunTimeout);
        return new BicepResult(exitCode, process.Output.Trim());
    }

    private static string FindExecutable()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The tests run the linux-x64 Bicep CLI; run them on Linux (x64).");
        }
        var packageFolder = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "BicepPackageFolder")?.Value;
        if (string.IsNullOrEmpty(packageFolder))
        {
            throw new InvalidOperationException("The build did not record where Azure.Bicep.CommandLine.linux-x64 was restored (BicepPackageFolder).");
        }
        var path = Path.Combine(packageFolder, "tools", "bicep");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The Bicep CLI is missing from its package at {path}; restore tests/Infra.Tests again.");
        }
        // Package extraction does not always keep the executable bit.
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode executable = UnixFileMode.UserExecute;
        if ((mode & executable) == 0)
        {
            File.SetUnixFileMode(path, mode | executable);
        }
        return path;
    }
}

public sealed record BicepResult(int ExitCode, string Output)
{
    /// <summary>True when the CLI succeeded and said nothing: no error, no warning, no informational finding.</summary>
    public bool IsClean => ExitCode == 0 && Output.Length == 0;
}
