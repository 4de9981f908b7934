namespace Blueshift.AppServiceEmulator;

/// <summary>
/// <c>/_emulator/vault</c> on the control API: seed and change the Key Vault stand-in's secrets (with the dates a test
/// needs, e.g. a secret last rotated 200 days ago) and inject faults. Without the stand-in every call is 404.
/// </summary>
internal static class KeyVaultControlApi
{
    public sealed record SecretRequest(string? Value, string? ContentType, Dictionary<string, string>? Tags, bool? Enabled,
        DateTimeOffset? Created, DateTimeOffset? Updated, DateTimeOffset? Expires, DateTimeOffset? NotBefore, bool? Managed);

    public sealed record SecretUpdateRequest(string? ContentType, Dictionary<string, string>? Tags, bool? Enabled,
        DateTimeOffset? Updated, DateTimeOffset? Expires, DateTimeOffset? NotBefore);

    public sealed record FaultRequest(int? StatusCode, int? Count, double? RetryAfterSeconds);

    public static void Map(RouteGroupBuilder control, AppServiceEmulatorServer server)
    {
        var vault = control.MapGroup("/vault");

        vault.MapGet("", () => server.KeyVault is { } kv
            ? Results.Ok(new { vaultUri = kv.VaultUri, certificateThumbprintSha256 = kv.CertificateThumbprint, token = KeyVaultEmulator.DevelopmentToken, tenant = KeyVaultEmulator.Tenant })
            : NoVault());

        // The certificate (PEM, public part only) so a client outside the process can trust exactly it.
        vault.MapGet("/certificate", () => server.KeyVault is { } kv
            ? Results.Text(kv.Certificate.ExportCertificatePem(), "application/x-pem-file")
            : NoVault());

        // Properties only: a value never leaves the control API.
        vault.MapGet("/secrets", () => server.KeyVault is { } kv ? Results.Ok(kv.CurrentSecrets().Select(View)) : NoVault());

        vault.MapPut("/secrets/{name}", (string name, SecretRequest request) =>
        {
            if (server.KeyVault is not { } kv)
            {
                return NoVault();
            }
            if (request.Value is null)
            {
                return Problem("value is required.");
            }
            try
            {
                var secret = kv.SetSecret(name, new VaultSecretSpec(request.Value, request.ContentType, request.Tags, request.Enabled ?? true,
                    request.Created, request.Updated, request.Expires, request.NotBefore, request.Managed ?? false));
                return Results.Ok(View(secret));
            }
            catch (ArgumentException ex)
            {
                return Problem(ex.Message);
            }
        });

        vault.MapPatch("/secrets/{name}", (string name, SecretUpdateRequest request) =>
        {
            if (server.KeyVault is not { } kv)
            {
                return NoVault();
            }
            try
            {
                return Results.Ok(View(kv.UpdateSecret(name, request.ContentType, request.Tags, request.Enabled, request.Updated, request.Expires, request.NotBefore)));
            }
            catch (KeyNotFoundException ex)
            {
                return Problem(ex.Message, StatusCodes.Status404NotFound);
            }
            catch (ArgumentException ex)
            {
                return Problem(ex.Message);
            }
        });

        vault.MapDelete("/secrets/{name}", (string name) =>
            server.KeyVault is not { } kv ? NoVault()
            : kv.DeleteSecret(name) ? Results.NoContent()
            : Problem($"No secret named '{name}'.", StatusCodes.Status404NotFound));

        vault.MapGet("/faults", () => server.KeyVault is { } kv ? Results.Ok(kv.PendingFaults()) : NoVault());
        vault.MapPost("/faults", (FaultRequest request) =>
        {
            if (server.KeyVault is not { } kv)
            {
                return NoVault();
            }
            if (request.RetryAfterSeconds is { } seconds && (double.IsNaN(seconds) || seconds < 0 || seconds > 3600))
            {
                return Problem("retryAfterSeconds is 0..3600.");
            }
            try
            {
                kv.AddFault(request.StatusCode ?? 429, request.Count ?? 1, TimeSpan.FromSeconds(request.RetryAfterSeconds ?? 1));
                return Results.Created("/_emulator/vault/faults", kv.PendingFaults());
            }
            catch (ArgumentException ex)
            {
                return Problem(ex.Message);
            }
        });
        vault.MapDelete("/faults", () =>
        {
            if (server.KeyVault is not { } kv)
            {
                return NoVault();
            }
            kv.ClearFaults();
            return Results.NoContent();
        });

        vault.MapGet("/requests", () => server.KeyVault is { } kv ? Results.Ok(kv.Requests()) : NoVault());
        vault.MapDelete("/requests", () =>
        {
            if (server.KeyVault is not { } kv)
            {
                return NoVault();
            }
            kv.ClearRequests();
            return Results.NoContent();
        });
    }

    private static object View(VaultSecretVersion secret) => new
    {
        name = secret.Name,
        version = secret.Version,
        contentType = secret.ContentType,
        tags = secret.Tags,
        enabled = secret.Enabled,
        created = secret.Created,
        updated = secret.Updated,
        expires = secret.Expires,
        notBefore = secret.NotBefore,
        managed = secret.Managed,
    };

    private static IResult NoVault() =>
        Problem("The Key Vault stand-in is not running (EmulatorOptions.KeyVault is off).", StatusCodes.Status404NotFound);

    private static IResult Problem(string detail, int status = StatusCodes.Status400BadRequest) =>
        Results.Problem(detail: detail, statusCode: status, title: status == 404 ? "Not found" : "Bad request");
}
