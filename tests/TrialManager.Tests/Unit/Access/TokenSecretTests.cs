using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using TrialManager.Api.Features.Access;

namespace TrialManager.Tests.Unit.Access;

public sealed class TokenSecretTests
{
    [Test]
    public void A_secret_carries_256_bits_from_the_random_source()
    {
        using var random = RandomNumberGenerator.Create();
        var secret = TokenSecret.Generate(random);
        Assert.That(secret, Does.StartWith(TokenSecret.Scheme));
        Assert.That(Base64Url.DecodeFromChars(secret.AsSpan(TokenSecret.Scheme.Length)), Has.Length.EqualTo(32));
    }

    [Test]
    public void Secrets_do_not_repeat()
    {
        using var random = RandomNumberGenerator.Create();
        var secrets = Enumerable.Range(0, 10_000).Select(_ => TokenSecret.Generate(random)).ToHashSet();
        Assert.That(secrets, Has.Count.EqualTo(10_000));
    }

    [Test]
    public void The_hash_is_sha256_of_the_secret_and_the_prefix_reveals_little()
    {
        const string secret = "tm_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        Assert.That(TokenSecret.Hash(secret), Is.EqualTo(SHA256.HashData(Encoding.UTF8.GetBytes(secret))));
        Assert.That(TokenSecret.PrefixOf(secret), Is.EqualTo("tm_abcdefg"));
    }
}
