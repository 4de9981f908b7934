using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

/// <summary>A service the sample functions take through their constructor, registered by the test's configureServices.</summary>
public sealed class Greeter(string greeting)
{
    public string Greet(string name) => $"{greeting}, {name}";
}

/// <summary>HTTP functions written as for the isolated worker's ASP.NET Core integration.</summary>
public sealed class SampleHttpFunctions(Greeter greeter)
{
    [Function("Echo")]
    public async Task<IActionResult> Echo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "put", Route = "echo/{name:alpha}")] HttpRequest request,
        string name,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        return new OkObjectResult(new EchoResponse(
            greeter.Greet(name),
            context.FunctionDefinition.Name,
            request.Method,
            request.ContentType,
            request.ContentLength,
            body,
            request.Headers["X-Custom"].ToString(),
            request.QueryString.Value ?? ""));
    }

    [Function("Secret")]
    public IResult Secret([HttpTrigger(AuthorizationLevel.Function, "get", Route = "secret")] HttpRequest request, FunctionContext context) =>
        Results.Ok(new { secret = ReferenceEquals(context.GetHttpContext(), request.HttpContext) });

    [Function("AdminThing")]
    public static Task<IResult> AdminThing([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "admin/things/{id:int}")] HttpRequest request, int id) =>
        Task.FromResult<IResult>(TypedResults.Ok(new { id }));

    [Function("Fails")]
    public IActionResult Fails([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) =>
        throw new InvalidOperationException("secret internals");
}

public sealed record EchoResponse(string Greeting, string Function, string Method, string? ContentType, long? ContentLength, string Body, string Custom, string Query);
