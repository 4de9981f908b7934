using System.Collections.Concurrent;
using Blueshift.Functions.Api;
using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Diagnostics;

/// <summary>
/// Functions that let an operator (or the local host's tests) watch the trigger plumbing work end to end:
/// a timer and a queue function that record their invocations, an echo endpoint, and a view of the record.
/// Only registered when <c>Blueshift__Diagnostics__Enabled</c> is true, both when the package's function.json
/// files are generated and when the handler runs; off by default.
/// </summary>
public sealed class DiagnosticsModule : IFunctionModule
{
    public const string QueueName = "blueshift-diagnostics";

    /// <summary>A queue message with exactly this text fails every time, to exercise retries and the poison queue.</summary>
    public const string FailingMessage = "fail";

    public static readonly TimerFunction Timer = new("DiagnosticsTimer", "0 0 * * * *");
    public static readonly QueueFunction Queue = new("DiagnosticsQueue", QueueName);
    public static readonly HttpFunction Invocations = new("DiagnosticsInvocations", "diagnostics/invocations", ["GET"], AuthLevel.Admin);
    public static readonly HttpFunction Echo = new("DiagnosticsEcho", "diagnostics/echo/{id}", ["GET", "POST", "PUT"], AuthLevel.Function);

    public IEnumerable<FunctionDefinition> Functions => [Timer, Queue, Invocations, Echo];

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapTimerFunction(Timer.Name, (timer, services, _) =>
        {
            services.GetRequiredService<InvocationRecorder>().Record(new RecordedInvocation(
                Timer.Name, services.GetRequiredService<TimeProvider>().GetUtcNow(), timer.IsPastDue, timer.ScheduleStatus, null, null));
            return Task.CompletedTask;
        });
        endpoints.MapQueueFunction(Queue.Name, (message, metadata, services, _) =>
        {
            services.GetRequiredService<InvocationRecorder>().Record(new RecordedInvocation(
                Queue.Name, services.GetRequiredService<TimeProvider>().GetUtcNow(), null, null, message, metadata.DequeueCount));
            return message == FailingMessage
                ? throw new InvalidOperationException($"Diagnostic message '{FailingMessage}' fails on purpose (dequeue count {metadata.DequeueCount}).")
                : Task.CompletedTask;
        });
        endpoints.MapHttpFunction(Invocations, (InvocationRecorder recorder) => TypedResults.Ok(recorder.Snapshot()))
            .WithTags("Diagnostics")
            .WithSummary("Lists this instance's recent diagnostic timer and queue invocations, oldest first")
            .WithDescription("Admin level: the Functions host accepts only the master key.");
        endpoints.MapHttpFunction(Echo, async (string id, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            return TypedResults.Ok(new EchoAnswer(
                id,
                request.Method,
                request.Path.Value,
                request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
                request.ContentType,
                request.Headers.Where(h => h.Key.StartsWith("X-Echo-", StringComparison.OrdinalIgnoreCase))
                    .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body));
        })
            .WithTags("Diagnostics")
            .WithSummary("Echoes the request: id, method, path, query, content type, X-Echo-* headers and the body as text")
            .DescribesBody<string>(required: false, contentType: "*/*");
    }
}

/// <summary>What the echo function saw of a request.</summary>
public sealed record EchoAnswer(
    string Id,
    string Method,
    string? Path,
    Dictionary<string, string> Query,
    string? ContentType,
    Dictionary<string, string> Headers,
    string Body);

public sealed record RecordedInvocation(
    string Function,
    DateTimeOffset At,
    bool? IsPastDue,
    TimerScheduleStatus? ScheduleStatus,
    string? Message,
    long? DequeueCount);

/// <summary>The most recent diagnostic invocations of this handler process, newest last.</summary>
public sealed class InvocationRecorder
{
    private const int Capacity = 200;
    private readonly ConcurrentQueue<RecordedInvocation> _invocations = new();

    public void Record(RecordedInvocation invocation)
    {
        _invocations.Enqueue(invocation);
        while (_invocations.Count > Capacity && _invocations.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<RecordedInvocation> Snapshot() => _invocations.ToArray();
}

public static class DiagnosticsServices
{
    public static IServiceCollection AddDiagnosticsWhenEnabled(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration.GetValue<bool>(AppSettings.ConfigurationKey(AppSettings.DiagnosticsEnabled)))
        {
            services.AddSingleton<InvocationRecorder>();
            services.AddFunctionModule<DiagnosticsModule>();
        }
        return services;
    }
}
