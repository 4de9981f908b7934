using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Blueshift.AppServiceEmulator;

/// <summary>
/// A throw-away self-signed certificate for 127.0.0.1, made at start-up when <see cref="EmulatorOptions.UseHttps"/> is
/// set: Azure.Core's bearer-token policy refuses plain http, so ARM clients built on it need a TLS endpoint.
/// </summary>
internal static class EmulatorCertificate
{
    public static X509Certificate2 Create(string subject = "CN=Blueshift App Service emulator")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        // TLS checks validity against the machine's clock, never the emulator's TimeProvider.
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    /// <summary>An HTTP handler that trusts exactly this certificate (by thumbprint) and nothing else self-signed.</summary>
    public static SocketsHttpHandler TrustingHandler(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler();
        if (certificate is not null)
        {
            var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None
                || (presented is not null && string.Equals(presented.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase));
        }
        return handler;
    }
}
