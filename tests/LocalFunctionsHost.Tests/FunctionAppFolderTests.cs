using Blueshift.LocalFunctionsHost.FunctionApp;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

public sealed class FunctionAppFolderTests
{
    [Fact]
    public void Load_FolderWithoutHostJson_ThrowsSayingToPublish()
    {
        var folder = Directory.CreateTempSubdirectory("blueshift-empty-").FullName;

        var ex = Assert.Throws<FunctionAppException>(() => FunctionAppFolder.Load(folder));

        Assert.Contains("no host.json", ex.Message);
    }

    [Fact]
    public void Load_HostWithoutForwarding_ThrowsInsteadOfIgnoringIt()
    {
        var folder = Directory.CreateTempSubdirectory("blueshift-noforward-").FullName;
        File.WriteAllText(Path.Combine(folder, "host.json"), """{"version":"2.0","customHandler":{"description":{"defaultExecutablePath":"handler"}}}""");

        var ex = Assert.Throws<FunctionAppException>(() => FunctionAppFolder.Load(folder));

        Assert.Contains("enableForwardingHttpRequest", ex.Message);
    }

    [Fact]
    public void Load_FunctionFolders_ReadsTriggersAndQueueDefaults()
    {
        var folder = Directory.CreateTempSubdirectory("blueshift-app-").FullName;
        File.WriteAllText(Path.Combine(folder, "host.json"), """{"version":"2.0","customHandler":{"description":{"defaultExecutablePath":"handler"},"enableForwardingHttpRequest":true}}""");
        Directory.CreateDirectory(Path.Combine(folder, "Orders"));
        File.WriteAllText(Path.Combine(folder, "Orders", "function.json"), """{"bindings":[{"type":"queueTrigger","direction":"in","name":"item","queueName":"orders","connection":"AzureWebJobsStorage"}]}""");
        Directory.CreateDirectory(Path.Combine(folder, "Hello"));
        File.WriteAllText(Path.Combine(folder, "Hello", "function.json"), """{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","methods":["get"]},{"type":"http","direction":"out","name":"res"}]}""");

        var app = FunctionAppFolder.Load(folder);

        Assert.Equal("api", app.RoutePrefix);
        Assert.Equal(5, app.Queues.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromMinutes(1), app.Queues.MaxPollingInterval);
        var hello = Assert.Single(app.Functions.OfType<HttpTriggeredFunction>());
        Assert.Equal(("Hello", "req", "Hello", "function"), (hello.Name, hello.BindingName, hello.Route, hello.AuthLevel));
        Assert.Equal(["GET"], hello.Methods);
        Assert.Equal(new QueueTriggeredFunction("Orders", "item", "orders", "AzureWebJobsStorage"), Assert.Single(app.Functions.OfType<QueueTriggeredFunction>()));
    }

    [Theory]
    [InlineData("anonymous", null, true)]
    [InlineData("function", null, false)]
    [InlineData("function", "function-key", true)]
    [InlineData("function", "host-key", true)]
    [InlineData("function", "master-key", true)]
    [InlineData("function", "other-function-key", false)]
    [InlineData("admin", "host-key", false)]
    [InlineData("admin", "master-key", true)]
    public void Authorizes_KeyAndLevel_MatchesTheFunctionsHost(string level, string? key, bool allowed)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("blueshift-keys-").FullName, "local.settings.json");
        File.WriteAllText(path, """
            {"IsEncrypted":false,"Values":{},
             "Keys":{"Master":"master-key","Host":{"default":"host-key"},
                     "Functions":{"Hello":{"default":"function-key"},"Other":{"default":"other-function-key"}}}}
            """);

        var settings = LocalSettings.Load(path);

        Assert.Equal(allowed, settings.Authorizes("Hello", level, key));
    }
}
