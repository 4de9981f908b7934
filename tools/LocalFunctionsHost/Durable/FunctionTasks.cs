using Blueshift.LocalFunctionsHost.Discovery;
using Microsoft.DurableTask;

namespace Blueshift.LocalFunctionsHost.Durable;

/// <summary>
/// An <c>[OrchestrationTrigger]</c> function as the Durable Task SDK's orchestrator: function-based, so the method is the
/// orchestrator and reads its input from the context (<c>context.GetInput&lt;T&gt;()</c>), as in Durable Functions.
/// </summary>
internal sealed class FunctionOrchestrator(FunctionDescriptor function, IServiceProvider services, DataConverter converter) : ITaskOrchestrator
{
    public Type InputType => typeof(object);

    public Type OutputType => function.ResultType == typeof(void) ? typeof(object) : function.ResultType;

    public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
    {
        // Orchestrators replay; the class is created for each episode, as the Worker creates it for each invocation.
        await using var scope = services.CreateAsyncScope();
        return await function.InvokeAsync(new InvocationContext(function, scope.ServiceProvider, CancellationToken.None) { OrchestrationContext = new FunctionOrchestrationContext(context, input, converter) });
    }
}

/// <summary>An <c>[ActivityTrigger]</c> function as the SDK's activity: the trigger parameter receives the input, deserialized to its type.</summary>
internal sealed class FunctionActivity(FunctionDescriptor function, ActivityFunctionTrigger trigger, IServiceProvider services) : ITaskActivity
{
    public Type InputType => trigger.InputType;

    public Type OutputType => function.ResultType == typeof(void) ? typeof(object) : function.ResultType;

    public Task<object?> RunAsync(TaskActivityContext context, object? input) =>
        function.InvokeAsync(new InvocationContext(function, services, CancellationToken.None) { ActivityInput = input });
}
