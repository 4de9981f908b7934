using System.Text.RegularExpressions;
using NCrontab;

namespace Blueshift.Functions.Hosting;

/// <summary>
/// Every function of the app, gathered from the registered <see cref="IFunctionModule"/>s and checked once at start-up:
/// an invalid entry would otherwise surface only when the Functions host indexes the deployed package.
/// </summary>
public sealed partial class FunctionCatalog
{
    /// <summary>The Functions host's route prefix (host.json <c>extensions.http.routePrefix</c>).</summary>
    public const string RoutePrefix = "api";

    private static readonly HashSet<string> HttpMethods = new(StringComparer.OrdinalIgnoreCase)
    {
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
    };

    public FunctionCatalog(IEnumerable<IFunctionModule> modules)
    {
        Modules = modules.ToArray();
        Functions = Modules.SelectMany(m => m.Functions).ToArray();
        var problems = Validate(Functions);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The function catalog is invalid: " + string.Join(" ", problems));
        }
    }

    public IReadOnlyList<IFunctionModule> Modules { get; }

    public IReadOnlyList<FunctionDefinition> Functions { get; }

    public FunctionDefinition? Find(string name) =>
        Functions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The path the handler serves an HTTP function on, e.g. <c>/api/releases/{id}</c>.</summary>
    public static string PathOf(HttpFunction function) => "/" + RoutePrefix + "/" + function.Route;

    /// <summary>The path the host posts timer and queue invocations to.</summary>
    public static string InvocationPathOf(FunctionDefinition function) => "/" + function.Name;

    /// <summary>True when <paramref name="schedule"/> names an app setting (<c>%Name%</c>) the host resolves.</summary>
    public static bool IsAppSettingExpression(string value) => AppSettingExpression().IsMatch(value);

    private static List<string> Validate(IReadOnlyList<FunctionDefinition> functions)
    {
        var problems = new List<string>();
        foreach (var duplicate in functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"Function name '{duplicate.Key}' is declared {duplicate.Count()} times (names are case-insensitive).");
        }
        foreach (var function in functions)
        {
            if (!FunctionName().IsMatch(function.Name))
            {
                problems.Add($"Function name '{function.Name}' must start with a letter and contain only letters, digits, '_' and '-' (at most 128).");
            }
            switch (function)
            {
                case HttpFunction http:
                    if (string.IsNullOrWhiteSpace(http.Route) || http.Route.StartsWith('/') || http.Route.StartsWith(RoutePrefix + "/", StringComparison.OrdinalIgnoreCase))
                    {
                        problems.Add($"Function '{http.Name}': route '{http.Route}' must be relative to the '{RoutePrefix}' prefix, without a leading '/'.");
                    }
                    if (http.Methods.Length == 0 || http.Methods.Any(m => !HttpMethods.Contains(m)))
                    {
                        problems.Add($"Function '{http.Name}': methods [{string.Join(", ", http.Methods)}] must be non-empty and among {string.Join(", ", HttpMethods)}.");
                    }
                    break;
                case TimerFunction timer:
                    if (!IsAppSettingExpression(timer.Schedule) && CrontabSchedule.TryParse(timer.Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is null)
                    {
                        problems.Add($"Function '{timer.Name}': schedule '{timer.Schedule}' is neither a 6-field NCRONTAB expression (second minute hour day month weekday) nor an app setting '%Name%'.");
                    }
                    break;
                case QueueFunction queue:
                    if (!IsAppSettingExpression(queue.QueueName) && !QueueName().IsMatch(queue.QueueName))
                    {
                        problems.Add($"Function '{queue.Name}': queue name '{queue.QueueName}' must be 3-63 lowercase letters, digits and single hyphens.");
                    }
                    if (string.IsNullOrWhiteSpace(queue.Connection))
                    {
                        problems.Add($"Function '{queue.Name}': the connection app setting name is empty.");
                    }
                    break;
                default:
                    problems.Add($"Function '{function.Name}': trigger type {function.GetType().Name} is not supported.");
                    break;
            }
        }
        foreach (var clash in functions.OfType<HttpFunction>()
                     .SelectMany(f => f.Methods.Select(m => (Key: m.ToUpperInvariant() + " " + f.Route.ToLowerInvariant(), f.Name)))
                     .GroupBy(x => x.Key).Where(g => g.Count() > 1))
        {
            problems.Add($"'{clash.Key}' is served by more than one function: {string.Join(", ", clash.Select(x => x.Name))}.");
        }
        return problems;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex FunctionName();

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueName();

    [GeneratedRegex("^%[A-Za-z0-9_.:-]+%$")]
    private static partial Regex AppSettingExpression();
}
