namespace Blueshift.LocalFunctionsHost;

/// <summary>
/// A function as <see cref="FunctionAppHost"/> serves it, in the terms of the Worker SDK's <c>functions.metadata</c>,
/// so a test can check that the local host and the published package declare the same functions.
/// </summary>
/// <param name="Name">The <c>[Function]</c> name.</param>
/// <param name="TriggerType">The trigger binding type: <c>httpTrigger</c>, <c>timerTrigger</c>, <c>orchestrationTrigger</c> or <c>activityTrigger</c>.</param>
/// <param name="EntryPoint">Type full name and method name, as <c>entryPoint</c> in the metadata.</param>
/// <param name="Route">HTTP: the route served under <c>/api/</c> (the attribute's route, or the function name).</param>
/// <param name="Methods">HTTP: the methods, upper case; empty means every method.</param>
/// <param name="AuthLevel">HTTP: <c>Anonymous</c>, <c>Function</c> or <c>Admin</c>.</param>
/// <param name="Schedule">Timer: the schedule as written in the attribute (a <c>%Setting%</c> stays unresolved).</param>
public sealed record HostedFunction(
    string Name,
    string TriggerType,
    string EntryPoint,
    string? Route = null,
    IReadOnlyList<string>? Methods = null,
    string? AuthLevel = null,
    string? Schedule = null);
