using System.Security.Cryptography;
using System.Text;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.LocalFunctionsHost.Keys;

/// <summary>
/// The keys that open functions, as the Functions host decides: <c>Anonymous</c> needs none, <c>Function</c> a function
/// key or the master key, <c>Admin</c> the master key. The caller sends it in <c>x-functions-key</c> or <c>?code=</c>.
/// </summary>
internal sealed class FunctionKeys(string? masterKey, IReadOnlyList<string> functionKeys)
{
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";

    /// <summary>Keys from the options, else from the settings <c>FunctionAppHost:MasterKey</c> and <c>FunctionAppHost:FunctionKeys:{n}</c>.</summary>
    public static FunctionKeys From(FunctionAppHostOptions options, IConfiguration configuration)
    {
        var master = options.MasterKey ?? configuration["FunctionAppHost:MasterKey"];
        var configured = configuration.GetSection("FunctionAppHost:FunctionKeys").GetChildren().Select(c => c.Value);
        var functionKeys = options.FunctionKeys.Concat(configured).OfType<string>().Where(k => k.Length > 0).ToArray();
        return new FunctionKeys(string.IsNullOrEmpty(master) ? null : master, functionKeys);
    }

    public static string? KeyOf(HttpRequest request) =>
        request.Headers[HeaderName].FirstOrDefault() is { Length: > 0 } header ? header : request.Query[QueryName].FirstOrDefault();

    /// <summary>Null when <paramref name="key"/> opens a function of <paramref name="level"/>; otherwise why not, for the caller.</summary>
    public string? Refuse(string functionName, AuthorizationLevel level, string? key)
    {
        if (level == AuthorizationLevel.Anonymous)
        {
            return null;
        }
        var needs = level == AuthorizationLevel.Admin
            ? $"Function {functionName} requires the master key (authLevel admin)"
            : $"Function {functionName} requires a function key or the master key (authLevel function)";
        var how = $"Send it in the {HeaderName} header or the {QueryName} query parameter.";
        if (string.IsNullOrEmpty(key))
        {
            return $"{needs}, and the request carries none. {how}";
        }
        if (masterKey is not null && Equal(masterKey, key))
        {
            return null;
        }
        if (level != AuthorizationLevel.Admin && functionKeys.Any(k => Equal(k, key)))
        {
            return null;
        }
        return $"{needs}; the key sent is not one. {how}";
    }

    private static bool Equal(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));
}
