using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Blueshift.Infra.Tests;

/// <summary>
/// infra/bicep/main.bicep compiled once by <c>bicep build</c> into a temporary folder, with the lookups the tests need:
/// every resource of the template and of its modules' nested templates, and the app settings of the function app.
/// </summary>
public sealed class CompiledTemplate : IAsyncLifetime
{
    private readonly string _outputFolder = Path.Combine(Path.GetTempPath(), "blueshift-infra-" + Guid.NewGuid().ToString("N"));

    public BicepResult Build { get; private set; } = new(-1, string.Empty);

    /// <summary>The ARM JSON text, for checks that no expression anywhere does something (list keys, build a connection string).</summary>
    public string Text { get; private set; } = string.Empty;

    public JsonObject Root { get; private set; } = new();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_outputFolder);
        Build = await BicepCli.RunAsync(BicepCli.InfraFolder, "build", "main.bicep", "--outdir", _outputFolder);
        var compiled = Path.Combine(_outputFolder, "main.json");
        if (File.Exists(compiled))
        {
            Text = await File.ReadAllTextAsync(compiled);
            Root = JsonNode.Parse(Text)!.AsObject();
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_outputFolder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Every resource, in the main template and in each module's nested template, with the template that holds it.</summary>
    public IReadOnlyList<TemplateResource> Resources => [.. ResourcesOf(Root)];

    public IReadOnlyList<TemplateResource> OfType(string type) =>
        [.. Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase))];

    public TemplateResource Single(string type)
    {
        var found = OfType(type);
        Assert.True(found.Count == 1, $"Expected one {type}, found {found.Count}.");
        return found[0];
    }

    /// <summary>The function app's settings as (name, value expression) pairs, in the order the template writes them.</summary>
    public IReadOnlyList<AppSetting> AppSettings
    {
        get
        {
            var site = Single("Microsoft.Web/sites");
            var expression = site.Body["properties"]!["siteConfig"]!["appSettings"]!.GetValue<string>();
            return [.. AppSetting.Parse(expression)];
        }
    }

    public AppSetting Setting(string name)
    {
        var matches = AppSettings.Where(s => s.Name == name).ToList();
        Assert.True(matches.Count == 1, $"Expected the app setting {name} once, found it {matches.Count} times.");
        return matches[0];
    }

    private static IEnumerable<TemplateResource> ResourcesOf(JsonObject template)
    {
        // languageVersion 2.0 templates (user-defined types) keep resources in an object keyed by symbolic name.
        var resources = template["resources"] switch
        {
            JsonArray array => array.Select(r => r!.AsObject()),
            JsonObject byName => byName.Select(pair => pair.Value!.AsObject()),
            _ => [],
        };
        foreach (var resource in resources)
        {
            if (resource["existing"]?.GetValue<bool>() == true)
            {
                continue;
            }
            yield return new TemplateResource(resource, template);
            if (resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in ResourcesOf(nested))
                {
                    yield return inner;
                }
            }
        }
    }
}

/// <summary>A resource's JSON and the template (main or a module's) whose variables and parameters its expressions use.</summary>
public sealed record TemplateResource(JsonObject Body, JsonObject Template)
{
    public string Type => Body["type"]!.GetValue<string>();

    public string ApiVersion => Body["apiVersion"]!.GetValue<string>();

    public JsonNode? Properties => Body["properties"];

    /// <summary>The role definition GUID of a role assignment, read through the template's variables where it is named there.</summary>
    public string RoleDefinitionGuid()
    {
        var expression = Properties!["roleDefinitionId"]!.GetValue<string>();
        var match = Regex.Match(expression, @"'Microsoft\.Authorization/roleDefinitions', (?:'(?<literal>[0-9a-f-]{36})'|variables\('(?<variable>\w+)'\)(?:\.(?<member>\w+))?)\)");
        Assert.True(match.Success, $"Role definition id '{expression}' does not name a built-in role by GUID.");
        if (match.Groups["literal"].Success)
        {
            return match.Groups["literal"].Value;
        }
        var variable = Template["variables"]![match.Groups["variable"].Value]!;
        return (match.Groups["member"].Success ? variable[match.Groups["member"].Value]! : variable).GetValue<string>();
    }
}

/// <summary>One app setting as the template writes it: its name and the ARM expression (or literal) of its value.</summary>
public sealed record AppSetting(string Name, string Value)
{
    private const string Opening = "createObject('name', '";

    /// <summary>Reads the <c>createObject('name', 'X', 'value', …)</c> entries out of the compiled appSettings expression.</summary>
    public static IEnumerable<AppSetting> Parse(string expression)
    {
        for (var at = expression.IndexOf(Opening, StringComparison.Ordinal); at >= 0; at = expression.IndexOf(Opening, at + 1, StringComparison.Ordinal))
        {
            var nameStart = at + Opening.Length;
            var nameEnd = expression.IndexOf('\'', nameStart);
            var valueStart = expression.IndexOf("'value', ", nameEnd, StringComparison.Ordinal) + "'value', ".Length;
            yield return new AppSetting(expression[nameStart..nameEnd], expression[valueStart..EndOfArgument(expression, valueStart)]);
        }
    }

    /// <summary>Where the argument that starts at <paramref name="start"/> ends: the closing parenthesis of its call, outside quotes.</summary>
    private static int EndOfArgument(string expression, int start)
    {
        var depth = 0;
        var quoted = false;
        for (var i = start; i < expression.Length; i++)
        {
            var c = expression[i];
            if (c == '\'')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')')
            {
                if (depth == 0)
                {
                    return i;
                }
                depth--;
            }
        }
        throw new FormatException($"Unbalanced expression: {expression}");
    }
}
