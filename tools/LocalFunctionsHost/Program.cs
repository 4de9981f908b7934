using Blueshift.LocalFunctionsHost;
using Blueshift.LocalFunctionsHost.Blueshift;
using Microsoft.Extensions.Options;

LocalHostOptions options;
try
{
    options = LocalHostOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(LocalHostOptions.Usage);
    return 2;
}

try
{
    await using var app = BlueshiftLocalHost.Build(options);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is FunctionAppHostException or OptionsValidationException)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
