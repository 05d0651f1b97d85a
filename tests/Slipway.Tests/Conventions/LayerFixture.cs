// Types that break a layer order on purpose, read by LayerTests as a fixture assembly: each
// reference is of a kind the reader must see (a method body, a field, a base type, a local).

namespace Slipway.Tests.Conventions.LayerFixture.Low
{
    internal sealed class Lower
    {
        // Only the IL of this method names High.
        public static int Call() => High.Higher.Answer();
    }
}

namespace Slipway.Tests.Conventions.LayerFixture.High
{
    internal sealed class Higher
    {
        public Low.Lower? Field { get; set; }

        public const int Ceiling = 7;

        public static int Answer() => 42;
    }
}

namespace Slipway.Tests.Conventions.LayerFixture.PeerA
{
    internal class First
    {
        // A constant: copied into this IL, so only the source shows the reference.
        public static int Limit() => High.Higher.Ceiling;

        public static string Local()
        {
            var second = new PeerB.Second();
            return second.ToString() ?? "";
        }
    }
}

namespace Slipway.Tests.Conventions.LayerFixture.PeerB
{
    internal sealed class Second : PeerA.First
    {
    }
}
