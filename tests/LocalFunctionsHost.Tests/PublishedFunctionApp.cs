using Blueshift.Testing;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

/// <summary>
/// The Blueshift function app published once per test run, exactly as for deployment, with the diagnostic
/// functions switched on (Blueshift__Diagnostics__Enabled, off by default) so timers and queues can be observed.
/// </summary>
public sealed class PublishedFunctionApp : IAsyncLifetime
{
    public const string DiagnosticsSetting = "Blueshift__Diagnostics__Enabled";

    public string Folder { get; } = RepositoryPaths.InRepository("artifacts", "test-functionapp");

    public Task InitializeAsync() =>
        FunctionAppPublisher.PublishAsync(Folder, new Dictionary<string, string> { [DiagnosticsSetting] = "true" });

    public Task DisposeAsync() => Task.CompletedTask;
}
