using System.Collections.Concurrent;
using Blueshift.Functions.Api;
using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Diagnostics;

/// <summary>
/// Endpoints that let an operator (or the local host's tests) watch the trigger plumbing work end to end: an echo endpoint
/// and a view of the diagnostic timer's invocations (<see cref="DiagnosticsFunctions"/>). They are always declared (the
/// package's functions.metadata cannot depend on a setting) but answer 404 unless <c>Blueshift__Diagnostics__Enabled</c>
/// is true; off by default.
/// </summary>
public sealed class DiagnosticsModule : IFunctionModule
{
    public const string TimerName = "DiagnosticsTimer";

    /// <summary>Hourly: often enough to see it fire in a local run, rarely enough to cost nothing in Azure.</summary>
    public const string TimerSchedule = "0 0 * * * *";

    public static readonly HttpFunction Invocations = new("DiagnosticsInvocations", "diagnostics/invocations", ["GET"], AuthLevel.Admin);
    public static readonly HttpFunction Echo = new("DiagnosticsEcho", "diagnostics/echo/{id}", ["GET", "POST", "PUT"], AuthLevel.Function);

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHttpFunction(Invocations, (InvocationRecorder recorder) => TypedResults.Ok(recorder.Snapshot()))
            .AddEndpointFilter(OnlyWhenEnabledAsync)
            .WithTags("Diagnostics")
            .WithSummary("Lists this instance's recent diagnostic timer invocations, oldest first")
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
            .AddEndpointFilter(OnlyWhenEnabledAsync)
            .WithTags("Diagnostics")
            .WithSummary("Echoes the request: id, method, path, query, content type, X-Echo-* headers and the body as text")
            .DescribesBody<string>(required: false, contentType: "*/*");
    }

    private static async ValueTask<object?> OnlyWhenEnabledAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.RequestServices.GetRequiredService<InvocationRecorder>().Enabled
            ? await next(context)
            : Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Diagnostics are off",
                detail: $"Set {AppSettings.DiagnosticsEnabled} to true to use the diagnostic functions.");
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

public sealed record RecordedInvocation(string Function, DateTimeOffset At, bool IsPastDue, DateTimeOffset? ScheduledNext);

/// <summary>The most recent diagnostic invocations of this worker process, newest last; records only when diagnostics are on.</summary>
public sealed class InvocationRecorder(bool enabled)
{
    public bool Enabled => enabled;

    private const int Capacity = 200;
    private readonly ConcurrentQueue<RecordedInvocation> _invocations = new();

    public void Record(RecordedInvocation invocation)
    {
        if (!enabled)
        {
            return;
        }
        _invocations.Enqueue(invocation);
        while (_invocations.Count > Capacity && _invocations.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<RecordedInvocation> Snapshot() => _invocations.ToArray();
}

public static class DiagnosticsServices
{
    public static IServiceCollection AddDiagnostics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(new InvocationRecorder(configuration.GetValue<bool>(AppSettings.ConfigurationKey(AppSettings.DiagnosticsEnabled))));
        services.AddFunctionModule<DiagnosticsModule>();
        return services;
    }
}
