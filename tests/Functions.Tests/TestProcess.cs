using System.Runtime.CompilerServices;

namespace Blueshift.Functions.Tests;

internal static class TestProcess
{
    /// <summary>
    /// The tests start many hosts (the app, in-memory Durable hosts); none of them needs to watch appsettings files, and
    /// each watcher costs an inotify instance, of which a Linux user gets 128 by default.
    /// </summary>
    [ModuleInitializer]
    public static void Initialize() => Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
}
