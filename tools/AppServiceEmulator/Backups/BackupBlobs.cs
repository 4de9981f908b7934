using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>
/// The blob a backup leaves in the storage container its request names (<c>storageAccountUrl</c>, a container SAS URL):
/// <c>{container}/{backup name}</c>, written with a real Put Blob when the backup starts, as App Service does. Only loopback
/// containers (Azurite) are written; a backup naming any other storage keeps working without a blob, so the emulator never
/// sends anything off the machine. A blob that cannot be written fails the backup (<c>BackupFailed</c>).
/// </summary>
internal static class BackupBlobs
{
    private const string StorageVersion = "2021-12-02";

    /// <summary>The blob's URI: the container SAS URL with the blob name appended to its path (the SAS query kept).</summary>
    public static Uri? BlobUri(string containerSasUrl, string blobName)
    {
        if (!Uri.TryCreate(containerSasUrl, UriKind.Absolute, out var container) || !IsLoopback(container))
        {
            return null;
        }
        var builder = new UriBuilder(container);
        builder.Path = builder.Path.TrimEnd('/') + "/" + string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));
        return builder.Uri;
    }

    /// <summary>Writes the backup's blob; returns the error that fails the backup when storage refuses it.</summary>
    public static async Task<ArmError?> WriteAsync(HttpClient http, string containerSasUrl, string blobName, EmulatedSlot slot, DateTimeOffset created, CancellationToken cancellationToken)
    {
        if (BlobUri(containerSasUrl, blobName) is not { } uri)
        {
            return null;
        }
        var manifest = new JsonObject
        {
            ["site"] = slot.Site.Name,
            ["slot"] = slot.Name,
            ["version"] = slot.Version,
            ["created"] = created.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new StringContent(manifest.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        request.Headers.Add("x-ms-version", StorageVersion);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? null
                : new ArmError(200, "BackupFailed", $"The backup could not be written to its storage container (storage answered {(int)response.StatusCode}).");
        }
        catch (HttpRequestException)
        {
            return new ArmError(200, "BackupFailed", "The backup could not be written to its storage container (storage unreachable).");
        }
    }

    /// <summary>
    /// Control calls that damage a backup's blob, for tests of backup verification:
    /// <c>DELETE /_emulator/sites/{name}/backups/{id}/blob</c> deletes it, <c>POST …/blob/truncate</c> replaces it with zero bytes.
    /// </summary>
    public static void MapControl(RouteGroupBuilder control, AppServiceEmulatorServer server)
    {
        control.MapDelete("/sites/{name}/backups/{id}/blob", (string name, string id, CancellationToken cancellationToken) =>
            DamageAsync(server, name, id, truncate: false, cancellationToken));
        control.MapPost("/sites/{name}/backups/{id}/blob/truncate", (string name, string id, CancellationToken cancellationToken) =>
            DamageAsync(server, name, id, truncate: true, cancellationToken));
    }

    private static async Task<IResult> DamageAsync(AppServiceEmulatorServer server, string name, string id, bool truncate, CancellationToken cancellationToken)
    {
        var site = server.Sites.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        BackupRecord? backup;
        lock (site?.Gate ?? new object())
        {
            backup = site?.Backups.FirstOrDefault(b => b.Id.ToString(CultureInfo.InvariantCulture) == id);
        }
        if (backup is null)
        {
            return Results.Problem(detail: $"Site '{name}' has no backup '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
        }
        if (BlobUri(backup.StorageAccountUrl, backup.Name) is not { } uri)
        {
            return Results.Problem(detail: "The backup's container is not on this machine; the emulator wrote no blob for it.", statusCode: StatusCodes.Status409Conflict, title: "Conflict");
        }
        using var request = new HttpRequestMessage(truncate ? HttpMethod.Put : HttpMethod.Delete, uri);
        request.Headers.Add("x-ms-version", StorageVersion);
        if (truncate)
        {
            request.Content = new ByteArrayContent([]);
            request.Headers.Add("x-ms-blob-type", "BlockBlob");
        }
        using var response = await server.PackageClient.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound
            ? Results.NoContent()
            : Results.Problem(detail: $"Storage answered {(int)response.StatusCode}.", statusCode: StatusCodes.Status502BadGateway, title: "Bad gateway");
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}
