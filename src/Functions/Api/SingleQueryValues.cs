namespace Blueshift.Functions.Api;

/// <summary>
/// Refuses a query parameter of a read (GET) given more than once. Every query parameter of this API takes one value, and model binding
/// would otherwise join the values with a comma, so the caller would read an error about the value's format instead of
/// the real mistake.
/// </summary>
internal static class SingleQueryValues
{
    public static async ValueTask<object?> RefuseRepeatedAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var errors = new FieldErrors();
        if (!HttpMethods.IsGet(context.HttpContext.Request.Method) && !HttpMethods.IsHead(context.HttpContext.Request.Method))
        {
            return await next(context);
        }
        foreach (var (name, values) in context.HttpContext.Request.Query)
        {
            if (values.Count > 1)
            {
                var printable = JsonBody.Printable(name);
                errors.Add(printable ?? name, $"'{printable}' was given {values.Count} times; give it once.");
            }
        }
        return errors.Any
            ? ApiProblems.Validation(errors.ToDictionary(), "A query parameter was repeated; each one takes a single value.")
            : await next(context);
    }
}
