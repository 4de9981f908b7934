using System.Collections.Immutable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Context.Features;

namespace Blueshift.LocalFunctionsHost.Discovery;

/// <summary>
/// The part of the Worker's <see cref="FunctionContext"/> that function code uses: the invocation id, the function's
/// definition (name, entry point), the invocation's services (so <c>GetLogger</c> works), items and cancellation.
/// Binding data, trace and retry contexts belong to the Functions host's gRPC protocol and are empty here.
/// </summary>
internal sealed class HostFunctionContext(FunctionDefinition definition, IServiceProvider services, CancellationToken cancellationToken) : FunctionContext
{
    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => definition.Id;

    public override TraceContext TraceContext { get; } = new EmptyTraceContext();

    public override BindingContext BindingContext { get; } = new EmptyBindingContext();

    public override RetryContext RetryContext { get; } = new NoRetryContext();

    public override IServiceProvider InstanceServices { get; set; } = services;

    public override FunctionDefinition FunctionDefinition => definition;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => throw new NotSupportedException(
        $"Function {definition.Name}: FunctionContext.Features (the Worker's middleware pipeline) is not available in the local host.");

    public override CancellationToken CancellationToken => cancellationToken;

    private sealed class EmptyTraceContext : TraceContext
    {
        public override string TraceParent => string.Empty;

        public override string TraceState => string.Empty;
    }

    private sealed class EmptyBindingContext : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData { get; } = new Dictionary<string, object?>();
    }

    private sealed class NoRetryContext : RetryContext
    {
        public override int RetryCount => 0;

        public override int MaxRetryCount => 0;
    }
}

/// <summary>The <see cref="FunctionDefinition"/> of one discovered function.</summary>
internal sealed class HostFunctionDefinition(FunctionDescriptor function) : FunctionDefinition
{
    public override ImmutableArray<FunctionParameter> Parameters { get; } =
        [.. function.Method.GetParameters().Select(p => new FunctionParameter(p.Name ?? string.Empty, p.ParameterType))];

    public override string PathToAssembly => function.Method.DeclaringType!.Assembly.Location;

    public override string EntryPoint => $"{function.Method.DeclaringType!.FullName}.{function.Method.Name}";

    public override string Id => function.Name;

    public override string Name => function.Name;

    public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } = ImmutableDictionary<string, BindingMetadata>.Empty;

    public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; } = ImmutableDictionary<string, BindingMetadata>.Empty;
}
