using ModelDsl.Data;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class KnownCorporaTests
{
    [Fact]
    public void CanonicalAddressesAndHashes()
    {
        Assert.Equal("https://s3.amazonaws.com/text-datasets/nietzsche.txt", KnownCorpora.Nietzsche.Url.ToString());
        Assert.Null(KnownCorpora.Nietzsche.Sha256); // the Keras copy differs from the reference copy: hash recorded on first download
        Assert.Equal("dea01ca2da603db6736fd856c585d073ccf3dca68efe4a59c5e73242cdf0b028", KnownCorpora.Nietzsche.ReferenceSha256);
        Assert.Equal("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt", KnownCorpora.TinyShakespeare.Url.ToString());
        Assert.Equal("86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", KnownCorpora.TinyShakespeare.Sha256);
    }

    [Fact]
    public void HashesMatchTheSharedCopiesWhenPresent()
    {
        foreach (var corpus in new[] { KnownCorpora.Nietzsche, KnownCorpora.TinyShakespeare })
        {
            string? path = SharedData.Find(corpus.FileName);
            if (path is not null) Assert.Equal(corpus.ReferenceSha256, DataFiles.HashFile(path));
        }
    }
}
