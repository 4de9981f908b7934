using System.Collections.Concurrent;
using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Blueshift.Functions.Tests.Hosting;

/// <summary>Timer and queue functions that record what the handler hands them, to test the invocation protocol.</summary>
internal sealed class TestFunctionModule : IFunctionModule
{
    public static readonly TimerFunction Timer = new("TestTimer", "*/5 * * * * *");
    public static readonly TimerFunction FailingTimer = new("TestFailingTimer", "%TestFailingTimerSchedule%");
    public static readonly QueueFunction Queue = new("TestQueue", "test-queue");

    public IEnumerable<FunctionDefinition> Functions => [Timer, FailingTimer, Queue];

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapTimerFunction(Timer.Name, (timer, services, _) =>
        {
            services.GetRequiredService<Received>().Timers.Enqueue(timer);
            return Task.CompletedTask;
        });
        endpoints.MapTimerFunction(FailingTimer.Name, (_, _, _) =>
            throw new InvalidOperationException("secret-connection-string=AccountKey=abc"));
        endpoints.MapQueueFunction(Queue.Name, (message, metadata, services, _) =>
        {
            services.GetRequiredService<Received>().Messages.Enqueue((message, metadata));
            return Task.CompletedTask;
        });
    }

    public sealed class Received
    {
        public ConcurrentQueue<TimerInfo> Timers { get; } = new();
        public ConcurrentQueue<(string Message, QueueMessageMetadata Metadata)> Messages { get; } = new();
    }
}

/// <summary>The real handler (Program) with the test module added to its catalog.</summary>
public sealed class HandlerFactory : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("AzureWebJobsStorage", "UseDevelopmentStorage=true");
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TestFunctionModule.Received>();
            services.AddFunctionModule<TestFunctionModule>();
        });
    }
}
