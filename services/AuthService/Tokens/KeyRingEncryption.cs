using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace GmailAutomation.AuthService.Tokens;

/// <summary>
/// The key-encryption key of the Data Protection key ring. The key ring sits in Redis beside the ciphertexts it
/// protects, so its master keys are themselves encrypted (AES-256-GCM) with a key that is never in Redis:
/// <c>Auth:KeyRingEncryptionKey</c> when set, else one derived (HKDF-SHA256) from <c>Identity:SigningKey</c>.
/// A dump of Redis alone therefore decrypts nothing.
/// </summary>
public sealed class KeyRingEncryptionKey
{
    public KeyRingEncryptionKey(IConfiguration configuration, IOptions<IdentityOptions> identity)
    {
        var configured = configuration["Auth:KeyRingEncryptionKey"];
        var secret = Encoding.UTF8.GetBytes(string.IsNullOrEmpty(configured) ? identity.Value.SigningKey ?? string.Empty : configured);
        if (secret.Length < IdentityOptions.MinimumKeyLength)
        {
            throw new InvalidOperationException("Auth:KeyRingEncryptionKey (or Identity:SigningKey) must be at least 32 characters.");
        }

        Key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: Encoding.ASCII.GetBytes("GmailAutomation.AuthService.DataProtectionKeyRing.v1"));
    }

    internal byte[] Key { get; }
}

/// <summary>Encrypts a key ring element with <see cref="KeyRingEncryptionKey"/>.</summary>
public sealed class AesGcmXmlEncryptor(KeyRingEncryptionKey key) : IXmlEncryptor
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBox = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = sealedBox.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Key, TagSize))
        {
            aes.Encrypt(nonce, plaintext, sealedBox.AsSpan(NonceSize + TagSize), sealedBox.AsSpan(NonceSize, TagSize));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement("aesGcmEncryptedKey", new XAttribute("version", 1), new XElement("value", Convert.ToBase64String(sealedBox)));
        return new EncryptedXmlInfo(element, typeof(AesGcmXmlDecryptor));
    }

    internal static XElement Decrypt(XElement encryptedElement, byte[] key)
    {
        var sealedBox = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? string.Empty);
        if (sealedBox.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The encrypted key ring element is too short.");
        }

        var plaintext = new byte[sealedBox.Length - NonceSize - TagSize];
        using (var aes = new AesGcm(key, TagSize))
        {
            aes.Decrypt(sealedBox.AsSpan(0, NonceSize), sealedBox.AsSpan(NonceSize + TagSize), sealedBox.AsSpan(NonceSize, TagSize), plaintext);
        }

        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}

/// <summary>Decrypts what <see cref="AesGcmXmlEncryptor"/> wrote; Data Protection creates it by type with the service provider.</summary>
public sealed class AesGcmXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        return AesGcmXmlEncryptor.Decrypt(encryptedElement, services.GetRequiredService<KeyRingEncryptionKey>().Key);
    }
}
