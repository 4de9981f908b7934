using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

public sealed record GreetingRequest(string Name, int BakeSeconds);

/// <summary>A release-shaped sample: an HTTP start, an orchestrator with a durable timer between two activities.</summary>
public sealed class SampleDurableFunctions(Greeter greeter)
{
    public const string Baking = "baking";

    [Function("StartGreeting")]
    public static async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "greetings/{name}")] HttpRequest request,
        string name,
        [DurableClient] DurableTaskClient client)
    {
        var bake = int.Parse(request.Query["bake"].FirstOrDefault() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var instanceId = await client.ScheduleNewOrchestrationInstanceAsync("GreetAfterBake", new GreetingRequest(name, bake));
        return new AcceptedResult($"/api/greetings/{instanceId}", new { instanceId });
    }

    [Function("GreetAfterBake")]
    public static async Task<string> GreetAfterBake([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var request = context.GetInput<GreetingRequest>()!;
        var first = await context.CallActivityAsync<string>("Greet", request.Name);
        context.SetCustomStatus(Baking);
        await context.CreateTimer(TimeSpan.FromSeconds(request.BakeSeconds), CancellationToken.None);
        var second = await context.CallActivityAsync<string>("Greet", request.Name + " again");
        return $"{first} / {second}";
    }

    [Function("Greet")]
    public string Greet([ActivityTrigger] string name, FunctionContext context) => $"{greeter.Greet(name)} ({context.FunctionDefinition.Name})";
}
