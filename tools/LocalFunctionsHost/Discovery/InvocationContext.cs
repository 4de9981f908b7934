using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Blueshift.LocalFunctionsHost.Discovery;

/// <summary>Everything one invocation can bind from: the trigger's value, the services of its scope, its cancellation.</summary>
internal sealed class InvocationContext
{
    public InvocationContext(FunctionDescriptor function, IServiceProvider services, CancellationToken cancellationToken)
    {
        Services = services;
        CancellationToken = cancellationToken;
        FunctionContext = new HostFunctionContext(function.Definition, services, cancellationToken);
    }

    public IServiceProvider Services { get; }

    public CancellationToken CancellationToken { get; }

    public FunctionContext FunctionContext { get; }

    public HttpContext? HttpContext { get; init; }

    public TimerInfo? TimerInfo { get; init; }

    public TaskOrchestrationContext? OrchestrationContext { get; init; }

    public object? ActivityInput { get; init; }
}
