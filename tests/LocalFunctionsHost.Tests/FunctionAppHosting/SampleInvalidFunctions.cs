using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

// Internal, so that FunctionAppHost.Build over this test assembly does not see them (the Worker SDK reads public
// methods of public types); the discovery tests hand them to the catalog one at a time.

internal sealed class UnbindableParameterFunction
{
    [Function("Unbindable")]
    public void Run([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request, Uri notBindable) { }
}

internal sealed class UnknownTriggerFunction
{
    [Function("FromSomewhere")]
    public void Run([SomewhereTrigger] string message) { }
}

internal sealed class WrongTimerParameterFunction
{
    [Function("WrongTimer")]
    public void Run([TimerTrigger("0 */5 * * * *")] string timer) { }
}

internal sealed class NoTriggerFunction
{
    [Function("NoTrigger")]
    public void Run(FunctionContext context) { }
}

internal sealed class SomewhereTriggerAttribute : TriggerBindingAttribute;
