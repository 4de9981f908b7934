using Blueshift.Functions.Api;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Compliance.ConfigDrift;
using Blueshift.Functions.Compliance.SecretRotation;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Apps;

/// <summary>The managed-app registry: <c>/api/apps</c>.</summary>
public static class AppEndpoints
{
    public static readonly HttpFunction Put = new("PutApp", "apps/{name}", ["PUT"], AuthLevel.Function);
    public static readonly HttpFunction Get = new("GetApp", "apps/{name}", ["GET"], AuthLevel.Function);
    public static readonly HttpFunction List = new("ListApps", "apps", ["GET"], AuthLevel.Function);

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHttpFunction(Put, PutAsync)
            .WithTags("Apps")
            .WithSummary("Registers a managed app or replaces its registration")
            .DescribesBody<PutAppBody>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .WithResponseHeader(StatusCodes.Status201Created, "Location", "The new registration: /api/apps/{name}.")
            .RequireCaller(Roles.Admin);

        endpoints.MapHttpFunction(Get, GetAsync)
            .WithTags("Apps")
            .WithSummary("Reads a managed app's registration")
            .ProducesProblems(StatusCodes.Status404NotFound)
            .RequireCaller();

        endpoints.MapHttpFunction(List, ListAsync)
            .WithTags("Apps")
            .WithSummary("Lists the managed apps")
            .RequireCaller();
    }

    public static async Task<Results<Created<ManagedApp>, Ok<ManagedApp>, ProblemHttpResult>> PutAsync(
        string name, HttpContext context, IManagedAppStore store, IAuditTrail audit, IOptions<ApiOptions> options, IOptions<ConfigDriftCheckOptions> drift,
        IOptions<SecretRotationCheckOptions> secretRotation, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<PutAppBody>(context.Request, allowEmpty: false, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        // A null desired value keeps the stored one (answers withhold secret values), so read what is stored first.
        var stored = body.Value!.Compliance?.DesiredSettings?.Values.Any(v => v is null) == true && FieldRules.IsAppName(name)
            ? (await store.GetAsync(name, cancellationToken))?.Compliance?.DesiredSettings
            : null;
        var app = ManagedAppValidation.Validate(name, body.Value!, options.Value.AllowLoopbackHttp, out var errors, stored, secretRotation.Value.VaultDnsSuffix);
        if (app is null)
        {
            return ApiProblems.Validation(errors);
        }

        if (await store.FindByResourceIdAsync(app.ResourceId, cancellationToken) is { } owner && owner.Name != app.Name)
        {
            return ApiProblems.Problem(
                StatusCodes.Status409Conflict,
                "Site already managed",
                $"The site is already registered as app '{owner.Name}'; one site has one registration, so update that one instead.");
        }

        var created = await store.PutAsync(app, cancellationToken);
        var caller = context.GetCaller();
        await audit.RecordAsync(
            new AuditRecord(
                time.GetUtcNow(),
                caller.Id,
                created ? "app.registered" : "app.updated",
                app.Name,
                ReleaseId: null,
                Reason: null,
                context.TraceIdentifier,
                new Dictionary<string, string> { ["resourceId"] = app.ResourceId, ["stagingSlot"] = app.StagingSlot }),
            cancellationToken);

        var shown = ManagedAppValidation.WithheldSecrets(app, drift.Value.ToPolicy());
        return created
            ? TypedResults.Created($"/api/apps/{Uri.EscapeDataString(app.Name)}", shown)
            : TypedResults.Ok(shown);
    }

    public static async Task<Results<Ok<ManagedApp>, ProblemHttpResult>> GetAsync(
        string name, IManagedAppStore store, IOptions<ConfigDriftCheckOptions> drift, CancellationToken cancellationToken)
    {
        if (!FieldRules.IsAppName(name) || await store.GetAsync(name, cancellationToken) is not { } app)
        {
            return ApiProblems.NotFound("app", name);
        }
        return TypedResults.Ok(ManagedAppValidation.WithheldSecrets(app, drift.Value.ToPolicy()));
    }

    public static async Task<Ok<List<ManagedApp>>> ListAsync(IManagedAppStore store, IOptions<ConfigDriftCheckOptions> drift, CancellationToken cancellationToken)
    {
        var policy = drift.Value.ToPolicy();
        var apps = new List<ManagedApp>();
        await foreach (var app in store.ListAsync(cancellationToken))
        {
            apps.Add(ManagedAppValidation.WithheldSecrets(app, policy));
        }
        return TypedResults.Ok(apps);
    }
}
