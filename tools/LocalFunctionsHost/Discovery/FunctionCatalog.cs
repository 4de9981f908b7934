using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Blueshift.LocalFunctionsHost.Discovery;

/// <summary>
/// The functions of an assembly, found as the Worker SDK finds them: public methods carrying <c>[Function]</c>, their
/// trigger on a parameter. Anything this host cannot serve as declared is a start-up error naming the function.
/// </summary>
internal sealed class FunctionCatalog
{
    private FunctionCatalog(IReadOnlyList<FunctionDescriptor> functions) => Functions = functions;

    public IReadOnlyList<FunctionDescriptor> Functions { get; }

    public IEnumerable<(FunctionDescriptor Function, T Trigger)> WithTrigger<T>() where T : FunctionTrigger =>
        Functions.Where(f => f.Trigger is T).Select(f => (f, (T)f.Trigger));

    /// <summary>This catalog narrowed to <paramref name="names"/> (all of it when empty); a name it lacks is an error.</summary>
    public FunctionCatalog Only(ICollection<string> names)
    {
        if (names.Count == 0)
        {
            return this;
        }
        var unknown = names.Where(n => !Functions.Any(f => string.Equals(f.Name, n, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (unknown.Length > 0)
        {
            throw new FunctionAppHostException($"No function of this app is called {string.Join(", ", unknown)} (asked for in FunctionAppHostOptions.Functions).");
        }
        return new FunctionCatalog(Functions.Where(f => names.Contains(f.Name, StringComparer.OrdinalIgnoreCase)).ToList());
    }

    /// <summary>The functions of the assembly's public types, as the Worker SDK reads them.</summary>
    public static FunctionCatalog Discover(Assembly assembly) =>
        Discover(assembly.GetExportedTypes(), assembly.GetName().Name ?? assembly.FullName ?? "the assembly");

    /// <summary>The functions of the given types (tests hand in one class at a time).</summary>
    public static FunctionCatalog Discover(IEnumerable<Type> types, string source = "the given types")
    {
        var functions = new List<FunctionDescriptor>();
        var errors = new List<string>();
        foreach (var type in types.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }
                try
                {
                    functions.Add(Describe(function.Name, method));
                }
                catch (FunctionAppHostException ex)
                {
                    errors.Add(ex.Message);
                }
            }
        }
        foreach (var duplicate in functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add($"Function {duplicate.Key}: declared {duplicate.Count()} times ({string.Join(", ", duplicate.Select(f => f.ToString()))}); function names must be unique.");
        }
        if (errors.Count > 0)
        {
            throw new FunctionAppHostException($"The function app in {source} cannot be served:{Environment.NewLine}- " + string.Join(Environment.NewLine + "- ", errors));
        }
        return new FunctionCatalog(functions);
    }

    private static FunctionDescriptor Describe(string name, MethodInfo method)
    {
        var where = $"Function {name} ({method.DeclaringType!.FullName}.{method.Name})";
        if (method.IsGenericMethodDefinition || method.DeclaringType.IsGenericTypeDefinition)
        {
            throw new FunctionAppHostException($"{where}: a function cannot be generic.");
        }
        if (!method.IsStatic && method.DeclaringType.IsAbstract)
        {
            throw new FunctionAppHostException($"{where}: an instance function needs a class that can be created (not abstract).");
        }
        if (method.ReturnParameter.GetCustomAttributes<OutputBindingAttribute>().FirstOrDefault() is { } output)
        {
            throw new FunctionAppHostException($"{where}: the output binding {output.GetType().Name} is not supported by the local host.");
        }

        var parameters = method.GetParameters();
        var triggers = parameters.Select(p => (Parameter: p, Attribute: p.GetCustomAttribute<TriggerBindingAttribute>())).Where(t => t.Attribute is not null).ToList();
        if (triggers.Count != 1)
        {
            throw new FunctionAppHostException(triggers.Count == 0
                ? $"{where}: no parameter carries a trigger attribute ([HttpTrigger], [TimerTrigger], [OrchestrationTrigger] or [ActivityTrigger])."
                : $"{where}: {triggers.Count} parameters carry trigger attributes; a function has exactly one trigger.");
        }
        var (triggerParameter, triggerAttribute) = triggers[0];
        FunctionTrigger trigger = triggerAttribute switch
        {
            HttpTriggerAttribute http => DescribeHttp(where, name, http),
            TimerTriggerAttribute timer => new TimerFunctionTrigger(timer.Schedule, timer.RunOnStartup),
            OrchestrationTriggerAttribute => new OrchestrationFunctionTrigger(),
            ActivityTriggerAttribute => new ActivityFunctionTrigger(triggerParameter.ParameterType),
            _ => throw new FunctionAppHostException($"{where}: the trigger {triggerAttribute!.GetType().Name} is not supported by the local host (it serves HTTP, timer, orchestration and activity triggers)."),
        };

        var routeParameters = trigger is HttpFunctionTrigger httpTrigger
            ? TemplateParser.Parse(httpTrigger.Route).Parameters.Select(p => p.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : [];
        var usesDurableClient = false;
        var binders = new List<Func<InvocationContext, object?>>();
        foreach (var parameter in parameters)
        {
            binders.Add(Bind(where, trigger, parameter, parameter == triggerParameter, routeParameters, ref usesDurableClient));
        }
        var (resultType, unwrap) = Results(where, method.ReturnType, trigger);
        return new FunctionDescriptor(name, method, trigger, binders, resultType, unwrap, usesDurableClient);
    }

    private static HttpFunctionTrigger DescribeHttp(string where, string name, HttpTriggerAttribute http)
    {
        var route = (http.Route ?? name).Trim('/');
        try
        {
            TemplateParser.Parse(route);
        }
        catch (ArgumentException ex)
        {
            throw new FunctionAppHostException($"{where}: the route '{http.Route}' is not a valid route template: {ex.Message}");
        }
        var methods = (http.Methods ?? []).Select(m => m.ToUpperInvariant()).Distinct().ToArray();
        return new HttpFunctionTrigger(http.AuthLevel, methods, route);
    }

    private static Func<InvocationContext, object?> Bind(string where, FunctionTrigger trigger, ParameterInfo parameter, bool isTrigger,
        HashSet<string> routeParameters, ref bool usesDurableClient)
    {
        var type = parameter.ParameterType;
        var what = $"{where}: parameter '{parameter.Name}' of type {type.Name}";
        if (isTrigger)
        {
            return trigger switch
            {
                HttpFunctionTrigger when type == typeof(HttpRequest) => c => c.HttpContext!.Request,
                HttpFunctionTrigger => throw new FunctionAppHostException($"{what}: an [HttpTrigger] parameter must be Microsoft.AspNetCore.Http.HttpRequest (ASP.NET Core integration)."),
                TimerFunctionTrigger when type == typeof(TimerInfo) => c => c.TimerInfo,
                TimerFunctionTrigger => throw new FunctionAppHostException($"{what}: a [TimerTrigger] parameter must be TimerInfo."),
                OrchestrationFunctionTrigger when type == typeof(TaskOrchestrationContext) => c => c.OrchestrationContext,
                OrchestrationFunctionTrigger => throw new FunctionAppHostException($"{what}: an [OrchestrationTrigger] parameter must be TaskOrchestrationContext."),
                _ => c => c.ActivityInput,
            };
        }
        if (parameter.GetCustomAttribute<DurableClientAttribute>() is not null)
        {
            if (type != typeof(DurableTaskClient))
            {
                throw new FunctionAppHostException($"{what}: a [DurableClient] parameter must be DurableTaskClient.");
            }
            usesDurableClient = true;
            return c => c.Services.GetRequiredService<DurableTaskClient>();
        }
        if (parameter.GetCustomAttribute<BindingAttribute>() is { } binding)
        {
            throw new FunctionAppHostException($"{what}: the binding {binding.GetType().Name} is not supported by the local host.");
        }
        if (type == typeof(FunctionContext))
        {
            return c => c.FunctionContext;
        }
        if (type == typeof(CancellationToken))
        {
            return c => c.CancellationToken;
        }
        if (trigger is HttpFunctionTrigger && parameter.Name is { } routeName && routeParameters.Contains(routeName))
        {
            var converter = TypeDescriptor.GetConverter(type);
            if (!converter.CanConvertFrom(typeof(string)))
            {
                throw new FunctionAppHostException($"{what}: the route parameter cannot be converted from text.");
            }
            var defaultValue = type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
            return c => c.HttpContext!.Request.RouteValues.TryGetValue(routeName, out var value) && value is string text
                ? converter.ConvertFromString(null, CultureInfo.InvariantCulture, text)
                : defaultValue;
        }
        throw new FunctionAppHostException(
            $"{what} cannot be bound: the local host binds the trigger, FunctionContext, CancellationToken, [DurableClient] DurableTaskClient and HTTP route parameters. " +
            "Take services through the class's constructor instead.");
    }

    private static (Type ResultType, Func<object?, Task<object?>> Unwrap) Results(string where, Type returnType, FunctionTrigger trigger)
    {
        if (returnType == typeof(void))
        {
            return (typeof(void), _ => Task.FromResult<object?>(null));
        }
        if (returnType == typeof(Task))
        {
            return (typeof(void), async r => { await (Task)r!; return null; });
        }
        if (returnType == typeof(ValueTask))
        {
            return (typeof(void), async r => { await (ValueTask)r!; return null; });
        }
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var result = returnType.GetProperty(nameof(Task<object>.Result))!;
            return (returnType.GetGenericArguments()[0], async r => { await (Task)r!; return result.GetValue(r); });
        }
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = returnType.GetMethod(nameof(ValueTask<object>.AsTask))!;
            var result = asTask.ReturnType.GetProperty(nameof(Task<object>.Result))!;
            return (returnType.GetGenericArguments()[0], async r =>
            {
                var task = (Task)asTask.Invoke(r, null)!;
                await task;
                return result.GetValue(task);
            });
        }
        if (typeof(Task).IsAssignableFrom(returnType) || returnType.IsByRef)
        {
            throw new FunctionAppHostException($"{where}: the return type {returnType.Name} is not supported.");
        }
        _ = trigger;
        return (returnType, r => Task.FromResult(r));
    }
}
