using System.Diagnostics;
using System.Reflection;
using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Health;

/// <summary>
/// The health endpoints of the seeds' runbook (§10.1): <c>/health</c> (overall), <c>/health/live</c> (process alive),
/// <c>/health/ready</c> (dependencies reachable). Anonymous, as load balancers and App Service health checks call them.
/// </summary>
public sealed class HealthModule : IFunctionModule
{
    public static readonly HttpFunction Health = new("Health", "health", ["GET"], AuthLevel.Anonymous);
    public static readonly HttpFunction Live = new("HealthLive", "health/live", ["GET"], AuthLevel.Anonymous);
    public static readonly HttpFunction Ready = new("HealthReady", "health/ready", ["GET"], AuthLevel.Anonymous);

    private static readonly string Version =
        typeof(HealthModule).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHttpFunction(Live, () => Report([]))
            .WithTags("Health")
            .WithSummary("Says the process is alive; checks no dependency")
            .Produces<HealthReport>(StatusCodes.Status200OK);
        MapChecks(endpoints, Ready, "Says whether every dependency is reachable, so the instance can take work");
        MapChecks(endpoints, Health, "Overall health: the version and every dependency check");
    }

    private static void MapChecks(IEndpointRouteBuilder endpoints, HttpFunction function, string summary) =>
        endpoints.MapHttpFunction(function, RunChecksAsync)
            .WithTags("Health")
            .WithSummary(summary)
            .WithDescription("200 when every check is healthy, 503 (with the same report) when any is not.")
            .Produces<HealthReport>(StatusCodes.Status200OK)
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> RunChecksAsync(IEnumerable<IReadinessCheck> checks, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(checks.Select(async check =>
        {
            var started = Stopwatch.GetTimestamp();
            var result = await check.CheckAsync(cancellationToken);
            return new CheckReport(check.Name, result.Healthy ? "Healthy" : "Unhealthy", Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds), result.Description);
        }));
        return Report(results);
    }

    private static IResult Report(CheckReport[] checks)
    {
        var healthy = checks.All(c => c.Status == "Healthy");
        return Results.Json(
            new HealthReport(healthy ? "Healthy" : "Unhealthy", Version, checks),
            statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private sealed record HealthReport(string Status, string Version, IReadOnlyList<CheckReport> Checks);

    private sealed record CheckReport(string Name, string Status, double DurationMs, string Description);
}

/// <summary>One dependency the app needs before it can take work; <c>/api/health/ready</c> runs them all.</summary>
public interface IReadinessCheck
{
    string Name { get; }

    /// <summary>Never throws for an unreachable dependency: that is an unhealthy result with a description safe to show.</summary>
    Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken);
}

public sealed record ReadinessResult(bool Healthy, string Description);
