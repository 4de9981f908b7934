namespace Blueshift.LocalFunctionsHost;

/// <summary>A function app this host cannot serve as declared: the message names the function and what to change.</summary>
public sealed class FunctionAppHostException(string message) : InvalidOperationException(message);
