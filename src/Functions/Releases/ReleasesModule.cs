using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Releases;

/// <summary>The release engine's functions: the reconcile tick that advances due releases and fails stuck ones safe.</summary>
internal sealed class ReleasesModule(ReleaseEngineOptions options) : IFunctionModule
{
    public IEnumerable<FunctionDefinition> Functions => [new TimerFunction(ReconcileTick.FunctionName, options.TickSchedule)];

    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapTimerFunction(ReconcileTick.FunctionName, async (_, services, cancellationToken) =>
            await services.GetRequiredService<ReconcileTick>().RunAsync(cancellationToken));
}
