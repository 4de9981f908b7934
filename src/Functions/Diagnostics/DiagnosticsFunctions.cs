using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.Functions.Diagnostics;

/// <summary>The diagnostic functions (<see cref="DiagnosticsModule"/>): echo, the invocation record, and a timer that fills it.</summary>
public sealed class DiagnosticsFunctions(FunctionEndpointTable endpoints, InvocationRecorder recorder, TimeProvider time)
{
    [Function(nameof(DiagnosticsInvocations))]
    public IActionResult DiagnosticsInvocations([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "diagnostics/invocations")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(DiagnosticsEcho))]
    public IActionResult DiagnosticsEcho([HttpTrigger(AuthorizationLevel.Function, "get", "post", "put", Route = "diagnostics/echo/{id}")] HttpRequest req) => endpoints.Run(req);

    /// <summary>Records each invocation when diagnostics are on, so a host's timer plumbing can be watched.</summary>
    [Function(DiagnosticsModule.TimerName)]
    public void DiagnosticsTimer([TimerTrigger(DiagnosticsModule.TimerSchedule)] TimerInfo timer) =>
        recorder.Record(new RecordedInvocation(DiagnosticsModule.TimerName, time.GetUtcNow(), timer.IsPastDue, timer.ScheduleStatus?.Next));
}
