using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Hosting;

/// <summary>
/// The table from HTTP function name to the minimal-API endpoint that serves it. Each <c>[Function]</c> method answers with
/// <see cref="Run"/>, which runs its endpoint (handler, filters, problem details) on the request the host passed in; the
/// endpoints also feed the OpenAPI document. Built once and checked at start-up: every HTTP <c>[Function]</c> has exactly one
/// endpoint of its name, with the same route, methods and auth level, and every endpoint has its <c>[Function]</c>.
/// </summary>
public sealed class FunctionEndpointTable
{
    private readonly Dictionary<string, Entry> _entries;
    private readonly RequestDelegate _pipeline;
    private readonly ILogger<FunctionEndpointTable> _logger;

    public FunctionEndpointTable(IServiceProvider services, IEnumerable<IFunctionModule> modules, ILogger<FunctionEndpointTable> logger)
    {
        _logger = logger;
        var routes = new ModuleRouteBuilder(services);
        foreach (var module in modules)
        {
            module.Map(routes);
        }
        DataSource = new CompositeEndpointDataSource(routes.DataSources);
        var endpoints = DataSource.Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Function: e.Metadata.GetMetadata<HttpFunction>()))
            .ToList();
        var problems = new List<string>();
        foreach (var unnamed in endpoints.Where(e => e.Function is null))
        {
            problems.Add($"The endpoint '{unnamed.Endpoint.RoutePattern.RawText}' was not mapped with MapHttpFunction, so no function serves it.");
        }
        foreach (var duplicate in endpoints.Where(e => e.Function is not null).GroupBy(e => e.Function!.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"Function '{duplicate.Key}' has {duplicate.Count()} endpoints.");
        }
        _entries = endpoints.Where(e => e.Function is not null)
            .DistinctBy(e => e.Function!.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(e => e.Function!.Name, e => new Entry(e.Function!, e.Endpoint), StringComparer.OrdinalIgnoreCase);

        var declared = FunctionDeclarations.Http(typeof(FunctionEndpointTable).Assembly);
        foreach (var function in declared)
        {
            if (!_entries.TryGetValue(function.Name, out var entry))
            {
                problems.Add($"Function '{function.Name}' ([Function] on {function.Method}) has no endpoint: map one with MapHttpFunction in its module.");
                continue;
            }
            var expected = entry.Function;
            if (!string.Equals(expected.Route, function.Route, StringComparison.Ordinal))
            {
                problems.Add($"Function '{function.Name}': its [HttpTrigger] route is '{function.Route}', its endpoint's '{expected.Route}'.");
            }
            if (!expected.Methods.Order(StringComparer.OrdinalIgnoreCase).SequenceEqual(function.Methods.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"Function '{function.Name}': its [HttpTrigger] methods are [{string.Join(", ", function.Methods)}], its endpoint's [{string.Join(", ", expected.Methods)}].");
            }
            if (!string.Equals(expected.AuthLevel.ToString(), function.AuthLevel, StringComparison.Ordinal))
            {
                problems.Add($"Function '{function.Name}': its [HttpTrigger] auth level is {function.AuthLevel}, its endpoint's {expected.AuthLevel}.");
            }
        }
        foreach (var orphan in _entries.Keys.Except(declared.Select(d => d.Name), StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"The endpoint of '{orphan}' has no [Function(\"{orphan}\")] method with an [HttpTrigger], so the Functions host would never call it.");
        }
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The HTTP functions and their endpoints disagree: " + string.Join(" ", problems));
        }

        // What the handler app used to run around every endpoint: unhandled exceptions and bare error statuses become problem details.
        var app = new ApplicationBuilder(services);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Run(context => context.GetEndpoint()!.RequestDelegate!(context));
        _pipeline = app.Build();
        Log.EndpointTableChecked(logger, _entries.Count);
    }

    /// <summary>The endpoints, for the OpenAPI document (see <see cref="FunctionHostingServices"/>).</summary>
    public EndpointDataSource DataSource { get; }

    /// <summary>Every HTTP function's endpoint declaration, by name.</summary>
    public IEnumerable<HttpFunction> Functions => _entries.Values.Select(e => e.Function);

    /// <summary>
    /// The result of the HTTP function <paramref name="function"/> (the calling method's name): running its endpoint on
    /// <paramref name="request"/>. A function method is named as its function, so it cannot run another's endpoint.
    /// </summary>
    /// <summary>
    /// <see cref="Run(HttpRequest, string)"/> for a function that was given a Durable client by its <c>[DurableClient]</c>
    /// binding: the endpoint's services reach it through <see cref="DurableClientAccessor"/>.
    /// </summary>
    public IActionResult Run(HttpRequest request, DurableTaskClient? durableClient, [CallerMemberName] string function = "")
    {
        if (durableClient is not null)
        {
            request.HttpContext.Features.Set(new DurableClientFeature(durableClient));
        }
        return Run(request, function);
    }

    public IActionResult Run(HttpRequest request, [CallerMemberName] string function = "") =>
        _entries.TryGetValue(function, out var entry)
            ? new EndpointResult(this, entry)
            : throw new InvalidOperationException($"No endpoint serves function '{function}'.");

    private async Task ExecuteAsync(Entry entry, HttpContext context)
    {
        var values = new RouteValueDictionary();
        if (!entry.Matcher.TryMatch(context.Request.Path, values))
        {
            // The host routed the request here, so this is a route declared differently in the trigger and the endpoint.
            Log.RouteMismatch(_logger, entry.Function.Name, context.Request.Path, entry.Function.Route);
            await Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Not found",
                detail: $"'{context.Request.Path}' is not a path of {entry.Function.Name}.").ExecuteAsync(context);
            return;
        }
        context.Request.RouteValues = values;
        context.SetEndpoint(entry.Endpoint);
        await _pipeline(context);
    }

    private sealed record Entry(HttpFunction Function, RouteEndpoint Endpoint)
    {
        public TemplateMatcher Matcher { get; } = new(new RouteTemplate(Endpoint.RoutePattern), new RouteValueDictionary(Endpoint.RoutePattern.Defaults));
    }

    private sealed class EndpointResult(FunctionEndpointTable table, Entry entry) : IActionResult, IResult
    {
        public Task ExecuteResultAsync(ActionContext context) => table.ExecuteAsync(entry, context.HttpContext);

        public Task ExecuteAsync(HttpContext httpContext) => table.ExecuteAsync(entry, httpContext);
    }

    /// <summary>Collects the modules' endpoints outside any host's routing, so the same endpoints run under every host.</summary>
    private sealed class ModuleRouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }
}

/// <summary>An HTTP trigger as a <c>[Function]</c> method declares it.</summary>
public sealed record DeclaredHttpFunction(string Name, string Route, string[] Methods, string AuthLevel, MethodInfo Method);

/// <summary>Reads the <c>[Function]</c> methods of an assembly, through the same attributes the Worker SDK reads.</summary>
public static class FunctionDeclarations
{
    public static IReadOnlyList<DeclaredHttpFunction> Http(Assembly assembly) =>
        assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Function is not null && x.Trigger is not null)
            .Select(x => new DeclaredHttpFunction(
                x.Function!.Name,
                x.Trigger!.Route ?? x.Function.Name,
                x.Trigger.Methods ?? [],
                x.Trigger.AuthLevel.ToString(),
                x.Method))
            .ToList();
}
