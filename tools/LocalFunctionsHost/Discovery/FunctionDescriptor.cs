using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.LocalFunctionsHost.Discovery;

/// <summary>What starts a function, as its trigger attribute declares it.</summary>
internal abstract record FunctionTrigger;

/// <summary><c>[HttpTrigger]</c>: served on <c>/api/{Route}</c> for <see cref="Methods"/> (empty: every method).</summary>
internal sealed record HttpFunctionTrigger(AuthorizationLevel AuthLevel, IReadOnlyList<string> Methods, string Route) : FunctionTrigger;

/// <summary><c>[TimerTrigger]</c>: <see cref="Schedule"/> as written, possibly a <c>%Setting%</c>.</summary>
internal sealed record TimerFunctionTrigger(string Schedule, bool RunOnStartup) : FunctionTrigger;

/// <summary><c>[OrchestrationTrigger]</c>: the method is the orchestrator.</summary>
internal sealed record OrchestrationFunctionTrigger : FunctionTrigger;

/// <summary><c>[ActivityTrigger]</c>: the method is the activity; its input is deserialized as <see cref="InputType"/>.</summary>
internal sealed record ActivityFunctionTrigger(Type InputType) : FunctionTrigger;

/// <summary>One <c>[Function]</c> method: its trigger, how each parameter is bound, and how its result is awaited.</summary>
internal sealed class FunctionDescriptor
{
    private readonly IReadOnlyList<Func<InvocationContext, object?>> _binders;
    private readonly Func<object?, Task<object?>> _unwrap;

    public FunctionDescriptor(string name, MethodInfo method, FunctionTrigger trigger, IReadOnlyList<Func<InvocationContext, object?>> binders,
        Type resultType, Func<object?, Task<object?>> unwrap, bool usesDurableClient)
    {
        Name = name;
        Method = method;
        Trigger = trigger;
        _binders = binders;
        ResultType = resultType;
        _unwrap = unwrap;
        UsesDurableClient = usesDurableClient;
        Definition = new HostFunctionDefinition(this);
    }

    public string Name { get; }

    public MethodInfo Method { get; }

    public FunctionTrigger Trigger { get; }

    /// <summary>The type of the value the function returns once awaited (<see cref="void"/> for none).</summary>
    public Type ResultType { get; }

    /// <summary>Whether a parameter is <c>[DurableClient] DurableTaskClient</c>.</summary>
    public bool UsesDurableClient { get; }

    public FunctionDefinition Definition { get; }

    /// <summary>
    /// Creates the function class through DI (as the Worker's default activator does), binds the parameters, runs the
    /// method and awaits its result. Exceptions thrown by the function come out as they were thrown.
    /// </summary>
    public async Task<object?> InvokeAsync(InvocationContext context)
    {
        var target = Method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.Services, Method.DeclaringType!);
        var arguments = new object?[_binders.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = _binders[i](context);
        }
        object? returned;
        try
        {
            returned = Method.Invoke(target, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
        return await _unwrap(returned);
    }

    public override string ToString() => $"{Name} ({Method.DeclaringType?.FullName}.{Method.Name})";
}
