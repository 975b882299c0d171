// nn functional procedures against values computed once by PyTorch 1.13 (CPU, float32 inputs).
// The expected numbers below were produced by this script (run with /usr/bin/python3); each test
// also names the torch call it mirrors. seq(shape, a, off) = sin(arange(n) * a + off) in f64,
// rounded to f32, in both languages. The exhaustive random comparison lives elsewhere; these are
// small fixed cases aimed at the tricky paths (groups, strides, odd sizes, ceil_mode, masks).
/*
import torch, torch.nn.functional as F, math
torch.set_printoptions(precision=10)
def seq(shape, a=0.37, off=0.0):
    n = 1
    for s in shape: n *= s
    return torch.sin(torch.arange(n, dtype=torch.float64) * a + off).float().reshape(shape)
def fmt(t):
    vals = t.flatten().tolist()
    def f(v):
        if isinstance(v, bool): return 'true' if v else 'false'
        if math.isnan(v): return 'NAN'
        if math.isinf(v): return 'INFINITY' if v > 0 else '-INFINITY'
        return repr(float(v))
    return '{' + ', '.join(f(v) for v in vals) + '}'
def out(name, t):
    print(f'// {name}: shape {list(t.shape)}')
    print(f'const std::vector<double> {name} = {fmt(t)};')

x = torch.tensor([-3, -1, -0.5, 0, 0.5, 1, 3, 25.])
out('relu_e', F.relu(x)); out('leaky_e', F.leaky_relu(x, 0.1)); out('elu_e', F.elu(x, 1.5))
out('gelu_e', F.gelu(x)); out('gelu_tanh_e', F.gelu(x, approximate='tanh')); out('silu_e', F.silu(x))
out('softplus_e', F.softplus(x, beta=2, threshold=5))
inf = float('inf')
s = torch.tensor([[1, 2, 3, -inf], [0, 0, 0, 0], [-inf, -inf, -inf, -inf]])
out('softmax_e', F.softmax(s, -1)); out('log_softmax_e', F.log_softmax(s, -1)); out('softmax0_e', F.softmax(s[:2], 0))

# conv2d groups=2, stride (2,1), padding (1,0), dilation (1,2), bias
x = seq((2, 4, 5, 6)); w = seq((6, 2, 3, 2), 0.91, 0.3); b = torch.tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6])
out('conv2d_e', F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2))
# conv1d unbatched, stride 3, padding 2, dilation 2
x = seq((3, 11)); w = seq((2, 3, 3), 0.5, 1.0)
out('conv1d_e', F.conv1d(x, w, None, stride=3, padding=2, dilation=2))
# conv3d groups 3
x = seq((1, 3, 3, 4, 3)); w = seq((3, 1, 2, 2, 2), 0.77, 0.2)
out('conv3d_e', F.conv3d(x, w, None, stride=(1, 2, 1), padding=(1, 0, 1), groups=3))
# conv_transpose1d odd size, stride 2, padding 1, output_padding 1, groups 2, bias
x = seq((2, 4, 5)); w = seq((4, 3, 3), 0.61, 0.4); b = torch.tensor([1., 2, 3, 4, 5, 6])
out('convt1d_e', F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, groups=2))
# conv_transpose2d stride (2,3), padding (0,2), output_padding (1,0), dilation (1,2)
x = seq((1, 2, 3, 4)); w = seq((2, 3, 2, 3), 0.43, 0.9)
out('convt2d_e', F.conv_transpose2d(x, w, None, stride=(2, 3), padding=(0, 2), output_padding=(1, 0), dilation=(1, 2)))
# conv_transpose1d whose padding exceeds dilation*(K-1): crops
x = seq((1, 1, 4)); w = seq((1, 2, 2), 0.3, 0.1)
out('convt_crop_e', F.conv_transpose1d(x, w, None, stride=3, padding=2))

# pools
x = seq((1, 2, 5, 7))
out('maxpool2d_e', F.max_pool2d(x, (3, 2), stride=(2, 2), padding=(1, 1), dilation=(1, 2), ceil_mode=True))
out('avgpool2d_e', F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True))
out('avgpool2d_floor_e', F.avg_pool2d(x, (2, 3), stride=(1, 2), padding=(1, 0)))
x1 = seq((2, 5))
out('maxpool1d_ceil_e', F.max_pool1d(x1, 2, stride=2, padding=1, ceil_mode=True))
out('avgpool1d_ceil_e', F.avg_pool1d(x1, 2, stride=2, padding=1, ceil_mode=True))
xi = torch.tensor([[[3, -7, 2, 9, -1]]])
out('maxpool_int_e', F.max_pool1d(xi.double(), 2, stride=2, padding=1).long())

# sdpa (torch 2 reference math; torch 1.13 has no F.scaled_dot_product_attention)
def sdpa(q, k, v, mask=None, causal=False, scale=None):
    L, S = q.shape[-2], k.shape[-2]
    sc = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    bias = torch.zeros(L, S, dtype=q.dtype)
    if causal:
        mask = torch.ones(L, S, dtype=torch.bool).tril(0)
    if mask is not None:
        if mask.dtype == torch.bool: bias = torch.zeros(mask.shape, dtype=q.dtype).masked_fill(~mask, float('-inf'))
        else: bias = mask
    a = q @ k.transpose(-2, -1) * sc + bias
    return torch.softmax(a, -1) @ v
q = seq((2, 3, 4)); k = seq((2, 5, 4), 0.53, 0.7); v = seq((2, 5, 3), 0.29, 1.1)
out('sdpa_plain_e', sdpa(q, k, v))
out('sdpa_causal_e', sdpa(q, k, v, causal=True))
m = torch.tensor([[True, False, True, True, False], [False, False, False, False, False], [True, True, True, True, True]])
out('sdpa_bool_e', sdpa(q, k, v, mask=m, scale=0.3))
fm = seq((3, 5), 1.3, 0.2)
out('sdpa_float_e', sdpa(q, k, v, mask=fm))

# losses
lg = seq((4, 5), 0.83, 0.1) * 3; t = torch.tensor([1, 0, 4, 2])
out('ce_mean_e', F.cross_entropy(lg, t).reshape(1))
out('ce_ls_none_e', F.cross_entropy(lg, t, reduction='none', label_smoothing=0.1))
out('ce_ls_sum_e', F.cross_entropy(lg, t, reduction='sum', label_smoothing=0.1).reshape(1))
lg3 = seq((2, 3, 4), 0.71, 0.5) * 2; t3 = torch.tensor([[0, 2, 1, 1], [2, 2, 0, 1]])
out('ce_3d_e', F.cross_entropy(lg3, t3, label_smoothing=0.2).reshape(1))
pt = torch.softmax(seq((4, 5), 1.7, 0.4), -1)
out('ce_prob_e', F.cross_entropy(lg, pt, label_smoothing=0.1).reshape(1))
out('ce_unbatched_e', F.cross_entropy(lg[0], t[0]).reshape(1))
out('nll_e', F.nll_loss(F.log_softmax(lg, 1), t, reduction='sum').reshape(1))
a = seq((3, 4)); bb = seq((3, 4), 0.9, 2.0)
out('mse_e', F.mse_loss(a, bb).reshape(1))
p = torch.tensor([0.0, 1.0, 0.3, 0.9, 0.5]); y = torch.tensor([1.0, 1.0, 0.0, 1.0, 0.25])
out('bce_e', F.binary_cross_entropy(p, y, reduction='none'))
z = torch.tensor([-100.0, -3.0, 0.0, 2.0, 100.0]); y2 = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0])
out('bcel_e', F.binary_cross_entropy_with_logits(z, y2, reduction='none'))

# norms
x = seq((3, 2, 4))
wt = torch.tensor([1.5, -0.5]); bs = torch.tensor([0.1, 0.2])
out('bn_train_e', F.batch_norm(x, None, None, wt, bs, training=True))
rm = torch.tensor([0.2, -0.1]); rv = torch.tensor([0.5, 2.0])
out('bn_eval_e', F.batch_norm(x, rm, rv, wt, bs, training=False, eps=1e-3))
lw = seq((2, 4), 0.4, 1.0); lb = seq((2, 4), 0.6, 2.0)
out('ln_e', F.layer_norm(x, (2, 4), lw, lb))
out('ln1_e', F.layer_norm(x, (4,)))
*/
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "slope/slope.h"

using namespace slope;
using nn::ConvOptions;
using nn::PoolOptions;
using nn::Reduction;

namespace {

// ---- expected values (generated, see the script above) ----
// relu_e: shape [8]
const std::vector<double> relu_e = {0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0, 25.0};
// leaky_e: shape [8]
const std::vector<double> leaky_e = {-0.30000001192092896, -0.10000000149011612, -0.05000000074505806, 0.0, 0.5, 1.0, 3.0, 25.0};
// elu_e: shape [8]
const std::vector<double> elu_e = {-1.4253194332122803, -0.9481807947158813, -0.5902040004730225, 0.0, 0.5, 1.0, 3.0, 25.0};
// gelu_e: shape [8]
const std::vector<double> gelu_e = {-0.004049867391586304, -0.1586552858352661, -0.1542687863111496, 0.0, 0.3457311987876892, 0.8413447141647339, 2.995950222015381, 25.0};
// gelu_tanh_e: shape [8]
const std::vector<double> gelu_tanh_e = {-0.0036374330520629883, -0.15880799293518066, -0.1542859971523285, 0.0, 0.3457140028476715, 0.8411920070648193, 2.9963626861572266, 25.0};
// silu_e: shape [8]
const std::vector<double> silu_e = {-0.14227761328220367, -0.2689414322376251, -0.1887703388929367, 0.0, 0.3112296760082245, 0.7310585975646973, 2.857722520828247, 25.0};
// softplus_e: shape [8]
const std::vector<double> softplus_e = {0.0012378426035866141, 0.06346400082111359, 0.15663084387779236, 0.3465735912322998, 0.65663081407547, 1.0634640455245972, 3.0, 25.0};
// softmax_e: shape [3, 4]
const std::vector<double> softmax_e = {0.09003057330846786, 0.2447284758090973, 0.6652409434318542, 0.0, 0.25, 0.25, 0.25, 0.25, NAN, NAN, NAN, NAN};
// log_softmax_e: shape [3, 4]
const std::vector<double> log_softmax_e = {-2.4076058864593506, -1.4076058864593506, -0.40760594606399536, -INFINITY, -1.3862943649291992, -1.3862943649291992, -1.3862943649291992, -1.3862943649291992, NAN, NAN, NAN, NAN};
// softmax0_e: shape [2, 4]
const std::vector<double> softmax0_e = {0.7310585975646973, 0.8807970285415649, 0.9525741338729858, 0.0, 0.2689414322376251, 0.11920291930437088, 0.04742587357759476, 1.0};
// conv2d_e: shape [2, 6, 3, 4]
const std::vector<double> conv2d_e = {-2.820887327194214, -1.5374369621276855, -0.032367534935474396, 1.490617275238037, -1.5674922466278076, -3.282668113708496, -4.54001522064209, -5.169358253479004, 3.4231784343719482, 3.2497942447662354, 2.6501007080078125, 1.7052627801895142, 2.4048075675964355, 2.926342487335205, 3.0247418880462646, 2.686687469482422, -5.126620769500732, -3.9546475410461426, -2.2744998931884766, -0.31357836723327637, 0.3635120391845703, -1.1302955150604248, -2.498192071914673, -3.555039405822754, 2.8275487422943115, 1.4653444290161133, -0.05458381772041321, -1.5265207290649414, 2.711435317993164, 4.249637126922607, 5.253274917602539, 5.5865092277526855, -3.108271360397339, -2.709315299987793, -1.9030628204345703, -0.7986360192298889, 3.6185483932495117, 3.6835103034973145, 3.3040640354156494, 2.531566619873047, -3.435224771499634, -1.7619191408157349, 0.20399203896522522, 2.196432113647461, -0.37226948142051697, -1.7228485345840454, -2.786109447479248, -3.4181454181671143, 0.8036437034606934, -0.6820565462112427, -2.1431164741516113, -3.3817882537841797, 3.4136829376220703, 4.418966770172119, 4.758491516113281, 4.3863043785095215, -3.6210901737213135, -2.7778518199920654, -1.626316785812378, -0.32234013080596924, -2.8154048919677734, -2.6560187339782715, -2.055945873260498, -1.096402883529663, 3.844240188598633, 2.019131660461426, 0.0019508600234985352, -1.9342869520187378, 1.8435689210891724, 3.06681489944458, 3.956188678741455, 4.391318321228027, -1.3517190217971802, 0.16743165254592896, 1.6774557828903198, 2.973978281021118, -3.474807024002075, -4.65913200378418, -5.1993303298950195, -5.022289752960205, 3.1952402591705322, 2.5453641414642334, 1.564520001411438, 0.38545945286750793, 2.963660478591919, 3.005272150039673, 2.6130659580230713, 1.8401241302490234, -3.7623276710510254, -2.032073497772217, -0.05385690927505493, 1.9045798778533936, -1.317918062210083, -2.6554481983184814, -3.6606452465057373, -4.197459697723389, 1.273991346359253, -0.25144290924072266, -1.7022418975830078, -2.882047176361084, 4.412735462188721, 5.3357834815979, 5.577261924743652, 5.104488372802734, -2.6264290809631348, -1.7745800018310547, -0.6419459581375122, 0.6181759238243103, 3.6590402126312256, 3.2248096466064453, 2.4082541465759277, 1.319891095161438, -1.5195152759552002, 0.4652007818222046, 2.4410927295684814, 4.140731334686279, -1.8795851469039917, -2.894261121749878, -3.463074207305908, -3.5090384483337402, -0.8761380910873413, -2.319248676300049, -3.516132354736328, -4.30479621887207, 4.502038478851318, 4.750356197357178, 4.288063049316406, 3.177727699279785, -2.6437392234802246, -1.4631363153457642, -0.15217751264572144, 1.1117051839828491, -2.6022415161132812, -1.9500943422317505, -0.9528039693832397, 0.25465118885040283, 1.7641839981079102, -0.2580295205116272, -2.1641125679016113, -3.6960864067077637, 3.2032995223999023, 4.039699077606201, 4.41055154800415, 4.2656636238098145};
// conv1d_e: shape [2, 4]
const std::vector<double> conv1d_e = {-0.5855078101158142, 1.237978219985962, 3.0460991859436035, 2.201019763946533, -1.2341907024383545, -1.3755004405975342, -1.0593675374984741, -0.36976397037506104};
// conv3d_e: shape [1, 3, 4, 2, 4]
const std::vector<double> conv3d_e = {-0.5723429918289185, -1.8120189905166626, -2.1859498023986816, -1.048743486404419, -0.5084325075149536, 0.0016504882369190454, 0.8236848711967468, 0.7711192965507507, 1.7159391641616821, 3.57922101020813, 3.3673062324523926, 1.1978874206542969, -0.3803938031196594, -2.0970797538757324, -3.004479169845581, -1.665188193321228, -1.256003499031067, -1.0436323881149292, 0.26542288064956665, 0.8154990673065186, 1.8990331888198853, 3.358940362930298, 2.6835553646087646, 0.679164469242096, 0.11124228686094284, -0.7566974759101868, -1.4884387254714966, -0.9897004961967468, -1.0263789892196655, -1.2672145366668701, -0.49015820026397705, 0.23699499666690826, -1.1814264059066772, -2.179569959640503, -1.8801188468933105, -0.5275020003318787, 0.47112390398979187, 1.6523878574371338, 2.076528310775757, 1.0019387006759644, 1.7804018259048462, 2.406153678894043, 1.323986291885376, -0.09559019654989243, -1.6396987438201904, -3.479757785797119, -3.381579637527466, -1.2092852592468262, 0.20216543972492218, 1.8012373447418213, 2.7646970748901367, 1.5577424764633179, 1.3952596187591553, 1.3018735647201538, 0.03877178579568863, -0.6741883158683777, -0.8188282251358032, -2.073518753051758, -2.2479946613311768, -0.9446809887886047, -0.22482255101203918, 0.5601177215576172, 1.3098018169403076, 0.9086162447929382, -1.0176459550857544, -1.0984699726104736, -0.3561089038848877, 0.2959667444229126, 1.140802264213562, 2.135605573654175, 1.9036422967910767, 0.5379713177680969, 0.684279203414917, -0.28127536177635193, -1.4848746061325073, -1.1959381103515625, -1.832897663116455, -2.5231688022613525, -1.5322519540786743, 0.004521474242210388, 1.5318856239318848, 3.332050323486328, 3.3375275135040283, 1.1904711723327637, -0.01931222528219223, -1.505628228187561, -2.5031676292419434, -1.4439254999160767, -1.2179588079452515, -1.9746853113174438, -1.5016404390335083, -0.2762881815433502, 0.7296604514122009, 1.941457748413086, 2.1736903190612793, 0.9137527346611023};
// convt1d_e: shape [2, 6, 10]
const std::vector<double> convt1d_e = {1.206789493560791, 1.542914628982544, 1.4775846004486084, 2.0090746879577637, 1.6837408542633057, 2.3386611938476562, 1.797356128692627, 2.4870662689208984, 1.8030527830123901, 1.8568682670593262, 2.8544068336486816, 3.5232419967651367, 2.8154232501983643, 3.313802719116211, 2.6660759449005127, 2.926546335220337, 2.4265782833099365, 2.413886070251465, 2.129345417022705, 1.6104272603988647, 2.355222702026367, 1.6762382984161377, 2.1044116020202637, 1.3174412250518799, 1.9748140573501587, 1.186370849609375, 1.9839706420898438, 1.3007664680480957, 2.1306419372558594, 2.3428351879119873, 4.944486618041992, 5.5112385749816895, 4.784435272216797, 5.1042890548706055, 4.518214225769043, 4.547879219055176, 4.181855201721191, 3.917316436767578, 3.820883274078369, 3.5022177696228027, 4.199216365814209, 3.477969169616699, 4.0814127922058105, 3.3427205085754395, 4.087935447692871, 3.431777000427246, 4.217901706695557, 3.7330851554870605, 4.453721523284912, 4.7413835525512695, 5.466012477874756, 5.268987655639648, 5.686452388763428, 5.74526834487915, 5.949329853057861, 6.256025791168213, 6.219065189361572, 6.732131481170654, 6.459151268005371, 6.630354881286621, 1.798461675643921, 2.4879322052001953, 1.8021173477172852, 2.4313454627990723, 1.6972101926803589, 2.18103289604187, 1.497938871383667, 1.7708731889724731, 1.231273889541626, 0.8076180219650269, 2.421511173248291, 2.4036877155303955, 2.1235759258270264, 1.8346928358078003, 1.8089154958724976, 1.2880715131759644, 1.5201175212860107, 0.8378064632415771, 1.296269178390503, 1.393021821975708, 1.9854624271392822, 1.3051286935806274, 2.1345348358154297, 1.6533944606781006, 2.4007439613342285, 2.1839170455932617, 2.7480595111846924, 2.824892520904541, 3.129473924636841, 3.5035321712493896, 4.175280570983887, 3.905540943145752, 3.8143131732940674, 3.287184238433838, 3.478477954864502, 2.76530385017395, 3.2132279872894287, 2.4105336666107178, 3.054464101791382, 3.341172456741333, 4.2213664054870605, 3.740408420562744, 4.458874702453613, 4.2158050537109375, 4.769621849060059, 4.797338962554932, 5.111549377441406, 5.406301498413086, 5.438379287719727, 5.8531107902526855, 6.2238640785217285, 6.7401533126831055, 6.463079452514648, 7.114810943603516, 6.639618873596191, 7.338584899902344, 6.729589462280273, 7.381187438964844, 6.720813274383545, 6.221504211425781};
// convt2d_e: shape [1, 3, 7, 10]
const std::vector<double> convt2d_e = {-0.33457452058792114, -0.42004114389419556, 0.07238037139177322, 0.0054536540992558, -0.10261775553226471, 0.42995554208755493, 0.3447437286376953, 0.22869440913200378, 0.7293382883071899, 0.6373742818832397, 0.7750612497329712, 0.7761760354042053, 0.942851185798645, 0.9810793399810791, 0.9811432957649231, 1.0073590278625488, 1.0543129444122314, 1.0533173084259033, 0.9355255365371704, 0.984850287437439, 0.8437393307685852, 0.7578084468841553, 1.004806399345398, 0.9359081387519836, 0.8839971423149109, 0.9436084628105164, 0.9014061689376831, 0.8905409574508667, 0.7546976208686829, 0.7449030876159668, 0.7820926904678345, 0.7795074582099915, 0.4388611912727356, 0.473482608795166, 0.47058233618736267, 0.08125153928995132, 0.10078880935907364, 0.09796607494354248, -0.2873551547527313, -0.28554627299308777, 0.48758092522621155, 0.5574645400047302, 0.1098344698548317, 0.16426695883274078, 0.2629247009754181, -0.2588385343551636, -0.18127979338169098, -0.06720086187124252, -0.5924789309501648, -0.502291202545166, -0.6332339644432068, -0.6348176598548889, -0.8632667064666748, -0.8952164649963379, -0.8958063125610352, -0.9926246404647827, -1.0360355377197266, -1.035551905632019, -0.9876354932785034, -1.0366321802139282, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.7641457915306091, 0.85023033618927, 0.4501871168613434, 0.5383014678955078, 0.6464083194732666, 0.12836487591266632, 0.2396005094051361, 0.35509803891181946, -0.2108309417963028, -0.09152919054031372, -0.3515397310256958, -0.30494293570518494, -0.6933386921882629, -0.6827301979064941, -0.6228768229484558, -0.9362138509750366, -0.9215164184570312, -0.8565071821212769, -1.0523768663406372, -1.0355795621871948, -0.41027092933654785, -0.32577285170555115, -0.7615712285041809, -0.6734843850135803, -0.6231807470321655, -0.8985755443572998, -0.8455448150634766, -0.8362440466880798, -0.9139617681503296, -0.903164803981781, -1.0094820261001587, -0.9600643515586853, -0.8609557747840881, -0.8467558026313782, -0.8159750699996948, -0.5792796611785889, -0.569425106048584, -0.5614475011825562, -0.21920065581798553, -0.2150253802537918, -0.8385456204414368, -0.9093070030212402, -0.5882928967475891, -0.660433292388916, -0.7594179511070251, -0.2913154661655426, -0.3929343819618225, -0.5067452192306519, 0.045090142637491226, -0.07225362211465836, 0.16847698390483856, 0.13084173202514648, 0.5372101664543152, 0.5291767716407776, 0.47490522265434265, 0.8311654329299927, 0.8182550072669983, 0.7546924948692322, 1.01262629032135, 0.9965862035751343, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.9589837789535522, -1.0192424058914185, -0.8344643712043762, -0.9166990518569946, -0.9916326403617859, -0.647253692150116, -0.750343382358551, -0.8298100829124451, -0.3724401891231537, -0.4824322760105133, -0.17996913194656372, -0.2599637806415558, 0.2308436930179596, 0.17465730011463165, 0.07327258586883545, 0.57747882604599, 0.5056447386741638, 0.39659181237220764, 0.8459548950195312, 0.7681955099105835, -0.14922620356082916, -0.2063348889350891, 0.2843936085700989, 0.20417693257331848, 0.1709332913160324, 0.5775145888328552, 0.5299456715583801, 0.5250664353370667, 0.7924716472625732, 0.7839887738227844, 0.9267746210098267, 0.845704972743988, 1.0185785293579102, 0.9599191546440125, 0.9107134938240051, 0.8993622660636902, 0.8631430864334106, 0.8524612188339233, 0.658421516418457, 0.6495447158813477, 0.9319226145744324, 0.9818249940872192, 0.8860371708869934, 0.9537251591682434, 1.022630214691162, 0.7519820332527161, 0.8464454412460327, 0.9250273108482361, 0.5161495804786682, 0.6246033310890198, 0.34803345799446106, 0.4133266508579254, -0.046131353825330734, -0.0005824716063216329, 0.09187915921211243, -0.4143855571746826, -0.34911954402923584, -0.24200376868247986, -0.7265546321868896, -0.6504049897193909, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
// convt_crop_e: shape [1, 2, 7]
const std::vector<double> convt_crop_e = {0.0, 0.03610130026936531, 0.14081966876983643, 0.0, 0.0673164650797844, 0.2625800669193268, 0.0, 0.0, 0.23295904695987701, 0.3042888641357422, 0.0, 0.4343881905078888, 0.5673937201499939, 0.0};
// maxpool2d_e: shape [1, 2, 3, 4]
const std::vector<double> maxpool2d_e = {0.3616154193878174, 0.8956986665725708, 0.9612752199172974, 0.9612752199172974, 0.9593748450279236, 0.9593748450279236, 0.6793046593666077, 0.6793046593666077, 0.9593748450279236, 0.9593748450279236, 0.5182282328605652, -0.19398435950279236, 0.6842898726463318, 0.9970241189002991, 0.9970241189002991, 0.788252055644989, 0.7840403318405151, 0.7840403318405151, 0.9046015739440918, 0.9046015739440918, 0.7840403318405151, 0.7840403318405151, 0.1604520082473755, 0.02725539542734623};
// avgpool2d_e: shape [1, 2, 3, 4]
const std::vector<double> avgpool2d_e = {0.11847289651632309, 0.1550074964761734, 0.062135644257068634, -0.022281130775809288, 0.12206705659627914, 0.07953520864248276, -0.08238009363412857, -0.12332730740308762, 0.020686408504843712, -0.06433550268411636, -0.15605086088180542, -0.11831487715244293, 0.11389864981174469, 0.11469127237796783, -0.0029532115440815687, -0.06440005451440811, 0.0782732293009758, -0.004576769191771746, -0.15430980920791626, -0.14865806698799133, -0.02466534823179245, -0.1199088916182518, -0.17296355962753296, -0.10507357120513916};
// avgpool2d_floor_e: shape [1, 2, 6, 3]
const std::vector<double> avgpool2d_floor_e = {0.1726505607366562, 0.4276445806026459, 0.4589535892009735, 0.25887489318847656, 0.1746782809495926, -0.0008860230445861816, -0.23329919576644897, -0.24971266090869904, -0.13551072776317596, 0.13852275907993317, 0.25067776441574097, 0.23171250522136688, -0.0026579599361866713, -0.1772872805595398, -0.25918418169021606, -0.4607042372226715, -0.4247114360332489, -0.1665678173303604, 0.3267090320587158, 0.4760216176509857, 0.3763450086116791, 0.2309030294418335, 0.089886374771595, -0.0981464684009552, -0.25932082533836365, -0.20442108809947968, -0.0425962395966053, 0.21081936359405518, 0.25832077860832214, 0.17070414125919342, -0.09978509694337845, -0.2355978637933731, -0.2481781244277954, -0.4741192162036896, -0.3122044503688812, 0.013012881390750408};
// maxpool1d_ceil_e: shape [2, 3]
const std::vector<double> maxpool1d_ceil_e = {0.0, 0.6742879152297974, 0.9958808422088623, 0.9612752199172974, 0.7965654730796814, 0.180596262216568};
// avgpool1d_ceil_e: shape [2, 3]
const std::vector<double> avgpool1d_ceil_e = {0.0, 0.5179516673088074, 0.9457897543907166, 0.4806376099586487, 0.6603049039840698, -0.003349199891090393};
// maxpool_int_e: shape [1, 1, 3]
const std::vector<double> maxpool_int_e = {3.0, 2.0, 9.0};
// sdpa_plain_e: shape [2, 3, 3]
const std::vector<double> sdpa_plain_e = {0.17032255232334137, 0.07619550824165344, -0.024294793605804443, 0.15547841787338257, 0.07982833683490753, -0.0024883486330509186, 0.05183139443397522, -0.05417117476463318, -0.15564972162246704, 0.31630152463912964, 0.4054544270038605, 0.4607468843460083, 0.255005419254303, 0.3016148805618286, 0.3230357766151428, 0.267156720161438, 0.2846405804157257, 0.2783534824848175};
// sdpa_causal_e: shape [2, 3, 3]
const std::vector<double> sdpa_causal_e = {0.8912073373794556, 0.9837008118629456, 0.994043231010437, 0.8954046368598938, 0.9542080163955688, 0.933323323726654, 0.7378961443901062, 0.5894705057144165, 0.3918168842792511, -0.7400773167610168, -0.5168654322624207, -0.2504889965057373, -0.3470626771450043, -0.0929868221282959, 0.1688545197248459, 0.026572775095701218, 0.2948232889175415, 0.5384523868560791};
// sdpa_bool_e: shape [2, 3, 3]
const std::vector<double> sdpa_bool_e = {0.20737014710903168, 0.09606444835662842, -0.023263782262802124, NAN, NAN, NAN, 0.07748892903327942, -0.03202381730079651, -0.1388622671365738, 0.3291296660900116, 0.421854704618454, 0.47934970259666443, NAN, NAN, NAN, 0.28001606464385986, 0.3084321618080139, 0.3110903799533844};
// sdpa_float_e: shape [2, 3, 3]
const std::vector<double> sdpa_float_e = {0.5089116096496582, 0.43149763345718384, 0.318048357963562, 0.5816894769668579, 0.5624357461929321, 0.4962117373943329, 0.5187603235244751, 0.40616118907928467, 0.25964275002479553, 0.18481068313121796, 0.3341856598854065, 0.455652117729187, 0.012188155204057693, 0.1880958080291748, 0.3482951819896698, 0.10484020411968231, 0.2760310769081116, 0.42417001724243164};
// ce_mean_e: shape [1]
const std::vector<double> ce_mean_e = {3.137324571609497};
// ce_ls_none_e: shape [4]
const std::vector<double> ce_ls_none_e = {1.3109761476516724, 5.556433200836182, 4.813798427581787, 0.7815161943435669};
// ce_ls_sum_e: shape [1]
const std::vector<double> ce_ls_sum_e = {12.462722778320312};
// ce_3d_e: shape [1]
const std::vector<double> ce_3d_e = {1.7606654167175293};
// ce_prob_e: shape [1]
const std::vector<double> ce_prob_e = {3.0924389362335205};
// ce_unbatched_e: shape [1]
const std::vector<double> ce_unbatched_e = {1.1984598636627197};
// nll_e: shape [1]
const std::vector<double> nll_e = {12.549298286437988};
// mse_e: shape [1]
const std::vector<double> mse_e = {0.8245763778686523};
// bce_e: shape [5]
const std::vector<double> bce_e = {100.0, -0.0, 0.3566749691963196, 0.10536054521799088, 0.6931471824645996};
// bcel_e: shape [5]
const std::vector<double> bcel_e = {100.0, 0.04858732968568802, 0.6931471824645996, 0.12692804634571075, 100.0};
// bn_train_e: shape [3, 2, 4]
const std::vector<double> bn_train_e = {-0.22542640566825867, 0.8665323853492737, 1.8106998205184937, 2.4792869091033936, -0.22634106874465942, -0.20562449097633362, -0.10702130198478699, 0.05612296611070633, 0.31991448998451233, -0.7909942269325256, -1.8253560066223145, -2.643174886703491, 0.9464176893234253, 0.965639591217041, 0.9042230248451233, 0.7704803347587585, -1.298174500465393, -0.20484845340251923, 0.8856924772262573, 1.8258486986160278, -0.1681687980890274, -0.2266971468925476, -0.20448683202266693, -0.10454392433166504};
// bn_eval_e: shape [3, 2, 4]
const std::vector<double> bn_eval_e = {-0.3238404393196106, 0.442495733499527, 1.1051119565963745, 1.5743260383605957, -0.18735557794570923, -0.17512370645999908, -0.11690455675125122, -0.020577862858772278, 0.0588795468211174, -0.7207556962966919, -1.4466702938079834, -2.020615339279175, 0.5050866007804871, 0.516435980796814, 0.480173259973526, 0.4012064039707184, -1.0766944885253906, -0.3093988299369812, 0.4559422731399536, 1.1157433986663818, -0.15300841629505157, -0.18756581842899323, -0.17445197701454163, -0.11544182151556015};
// ln_e: shape [3, 2, 4]
const std::vector<double> ln_e = {-0.8015953898429871, -0.37545207142829895, 0.011918550357222557, 0.005440041422843933, -0.3967564105987549, -0.822282075881958, -0.7472772002220154, 0.15978164970874786, 2.6187233924865723, 1.582526683807373, 0.13586556911468506, -1.0152530670166016, -1.4247794151306152, -1.1001427173614502, -0.4431527554988861, 0.014825955033302307, -0.7253215909004211, -0.6273818016052246, -0.42740070819854736, -0.37399014830589294, -0.5554007291793823, -0.8206331133842468, -0.8611872792243958, -0.41275131702423096};
// ln1_e: shape [3, 2, 4]
const std::vector<double> ln1_e = {-1.431838870048523, -0.35962003469467163, 0.5674790740013123, 1.2239798307418823, 0.9462548494338989, 0.7606627941131592, -0.12268535792827606, -1.5842324495315552, 1.3981369733810425, 0.3991754353046417, -0.5309528112411499, -1.2663594484329224, -0.6525765061378479, -0.9048269391059875, -0.09885365515947342, 1.6562581062316895, -1.367153286933899, -0.4331156015396118, 0.498542845249176, 1.3017263412475586, -0.16869506239891052, 1.0962594747543335, 0.6162348985671997, -1.5437991619110107};

Tensor seq(const Shape& shape, double a = 0.37, double off = 0.0) {
  std::vector<float> v(static_cast<size_t>(numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(std::sin(static_cast<double>(i) * a + off));
  return tensor(v, shape);
}

void expect_close(const Tensor& t, const Shape& shape, const std::vector<double>& e, double tol = 1e-5) {
  ASSERT_EQ(t.shape(), shape) << "got " << to_string(t.aval());
  std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), e.size());
  for (size_t i = 0; i < e.size(); ++i) {
    if (std::isnan(e[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "at " << i << ": got " << got[i] << ", expected NaN";
    } else if (std::isinf(e[i])) {
      EXPECT_EQ(got[i], e[i]) << "at " << i;
    } else {
      EXPECT_NEAR(got[i], e[i], tol * (1 + std::fabs(e[i]))) << "at " << i;
    }
  }
}

template <class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected slope::Error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace

// ---------------------------------------------------------------- activations

TEST(NNActivations, MatchTorch) {
  // x = [-3, -1, -0.5, 0, 0.5, 1, 3, 25]; F.relu, F.leaky_relu(x, 0.1), F.elu(x, 1.5), F.gelu(x),
  // F.gelu(x, approximate='tanh'), F.silu, F.softplus(x, beta=2, threshold=5)
  Tensor x = tensor({-3.f, -1.f, -0.5f, 0.f, 0.5f, 1.f, 3.f, 25.f});
  Shape s{8};
  expect_close(nn::relu(x), s, relu_e);
  expect_close(nn::leaky_relu(x, 0.1), s, leaky_e);
  expect_close(nn::elu(x, 1.5), s, elu_e);
  expect_close(nn::gelu(x), s, gelu_e);
  expect_close(nn::gelu(x, true), s, gelu_tanh_e);
  expect_close(nn::silu(x), s, silu_e);
  expect_close(nn::softplus(x, 2.0, 5.0), s, softplus_e);
  EXPECT_EQ(x.relu().dtype(), f32);
  EXPECT_EQ(nn::gelu(x.cast(f64)).dtype(), f64);
}

TEST(NNActivations, ReluKeepsIntegersAndNaN) {
  Tensor xi = tensor({-2, 0, 5});
  Tensor r = nn::relu(xi);
  EXPECT_EQ(r.dtype(), i64);
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 5}));
  Tensor n = nn::relu(tensor({NAN, -1.f}));
  EXPECT_TRUE(std::isnan(n.to_vector<float>()[0]));
  expect_error([] { nn::relu(tensor({true, false})); }, "[relu]");
  expect_error([] { nn::gelu(tensor({1, 2})); }, "[gelu]");
}

TEST(NNActivations, SoftplusAndEluStayFiniteForHugeInputs) {
  Tensor x = tensor({-1000.f, 1000.f});
  EXPECT_EQ(nn::softplus(x, 1.0, 1e9).to_vector<float>(), (std::vector<float>{0.f, 1000.f}));
  EXPECT_EQ(nn::elu(x).to_vector<float>(), (std::vector<float>{-1.f, 1000.f}));
}

TEST(NNSoftmax, StableWithInfinities) {
  // s = [[1, 2, 3, -inf], [0, 0, 0, 0], [-inf]*4]; F.softmax(s, -1), F.log_softmax(s, -1), F.softmax(s[:2], 0)
  float inf = INFINITY;
  Tensor s = tensor({{1.f, 2.f, 3.f, -inf}, {0.f, 0.f, 0.f, 0.f}, {-inf, -inf, -inf, -inf}});
  expect_close(nn::softmax(s, -1), {3, 4}, softmax_e);
  expect_close(nn::log_softmax(s), {3, 4}, log_softmax_e);
  Tensor s2 = tensor({{1.f, 2.f, 3.f, -inf}, {0.f, 0.f, 0.f, 0.f}});
  expect_close(nn::softmax(s2, 0), {2, 4}, softmax0_e);
  expect_close(nn::softmax(tensor(3.f), 0), {}, {1.0});
  expect_close(nn::softmax(tensor({1e30f, 1e30f}), 0), {2}, {0.5, 0.5});
  expect_error([] { nn::softmax(tensor({1, 2}), 0); }, "[softmax]");
  expect_error([&] { nn::softmax(s, 2); }, "out of range");
}

TEST(NNLinear, XWTransposePlusBias) {
  // F.linear(x, w, b) with x [2, 3], w [4, 3]
  Tensor x = tensor({{1.f, 2.f, 3.f}, {-1.f, 0.f, 1.f}});
  Tensor w = tensor({{1.f, 0.f, 0.f}, {0.f, 1.f, 0.f}, {0.f, 0.f, 1.f}, {1.f, 1.f, 1.f}});
  Tensor b = tensor({0.5f, 0.f, 0.f, -1.f});
  expect_close(nn::linear(x, w, b), {2, 4}, {1.5, 2, 3, 5, -0.5, 0, 1, -1});
  expect_close(nn::linear(x, w), {2, 4}, {1, 2, 3, 6, -1, 0, 1, 0});
  expect_error([&] { nn::linear(x, tensor({{1.f, 2.f}})); }, "[linear]");
}

// ---------------------------------------------------------------- conv

TEST(NNConv, Conv2dGroupsStrideDilationAsymmetric) {
  // x = seq((2,4,5,6)); w = seq((6,2,3,2), 0.91, 0.3); b = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6]
  // F.conv2d(x, w, b, stride=(2,1), padding=(1,0), dilation=(1,2), groups=2)
  Tensor x = seq({2, 4, 5, 6}), w = seq({6, 2, 3, 2}, 0.91, 0.3);
  Tensor b = tensor({0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f});
  ConvOptions o;
  o.stride = {2, 1};
  o.padding = {1, 0};
  o.dilation = {1, 2};
  o.groups = 2;
  expect_close(nn::conv(x, w, b, o), {2, 6, 3, 4}, conv2d_e, 1e-5);
}

TEST(NNConv, Conv1dUnbatchedScalarOptions) {
  // x = seq((3, 11)); w = seq((2,3,3), 0.5, 1.0); F.conv1d(x, w, stride=3, padding=2, dilation=2)
  ConvOptions o;
  o.stride = {3};
  o.padding = {2};
  o.dilation = {2};
  expect_close(nn::conv(seq({3, 11}), seq({2, 3, 3}, 0.5, 1.0), std::nullopt, o), {2, 4}, conv1d_e);
}

TEST(NNConv, Conv3dDepthwise) {
  // x = seq((1,3,3,4,3)); w = seq((3,1,2,2,2), 0.77, 0.2)
  // F.conv3d(x, w, stride=(1,2,1), padding=(1,0,1), groups=3)
  ConvOptions o;
  o.stride = {1, 2, 1};
  o.padding = {1, 0, 1};
  o.groups = 3;
  expect_close(nn::conv(seq({1, 3, 3, 4, 3}), seq({3, 1, 2, 2, 2}, 0.77, 0.2), std::nullopt, o), {1, 3, 4, 2, 4},
               conv3d_e);
}

TEST(NNConv, ValidationErrors) {
  Tensor x = seq({1, 4, 5, 5});
  expect_error([&] { nn::conv(x, seq({2, 3, 3, 3})); }, "input channels");
  ConvOptions g3;
  g3.groups = 3;
  expect_error([&] { nn::conv(x, seq({6, 2, 3, 3}), std::nullopt, g3); }, "groups=3");
  ConvOptions bad_stride;
  bad_stride.stride = {1, 2, 3};
  expect_error([&] { nn::conv(x, seq({2, 4, 3, 3}), std::nullopt, bad_stride); }, "stride");
  ConvOptions zero_stride;
  zero_stride.stride = {0};
  expect_error([&] { nn::conv(x, seq({2, 4, 3, 3}), std::nullopt, zero_stride); }, "stride");
  expect_error([&] { nn::conv(x, seq({2, 4, 7, 3})); }, "exceeds the padded input");
  expect_error([&] { nn::conv(x, seq({2, 4, 3, 3}), tensor({1.f, 2.f, 3.f})); }, "bias");
  expect_error([&] { nn::conv(seq({4, 5}), seq({2, 4, 3, 3})); }, "[conv]");
}

TEST(NNConvTranspose, OddSizeStride2OutputPaddingGroups) {
  // x = seq((2,4,5)); w = seq((4,3,3), 0.61, 0.4); b = [1..6]
  // F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)
  ConvOptions o;
  o.stride = {2};
  o.padding = {1};
  o.output_padding = {1};
  o.groups = 2;
  Tensor b = tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f});
  expect_close(nn::conv_transpose(seq({2, 4, 5}), seq({4, 3, 3}, 0.61, 0.4), b, o), {2, 6, 10}, convt1d_e);
}

TEST(NNConvTranspose, Conv2dPerDimOptions) {
  // x = seq((1,2,3,4)); w = seq((2,3,2,3), 0.43, 0.9)
  // F.conv_transpose2d(x, w, stride=(2,3), padding=(0,2), output_padding=(1,0), dilation=(1,2))
  ConvOptions o;
  o.stride = {2, 3};
  o.padding = {0, 2};
  o.output_padding = {1, 0};
  o.dilation = {1, 2};
  expect_close(nn::conv_transpose(seq({1, 2, 3, 4}), seq({2, 3, 2, 3}, 0.43, 0.9), std::nullopt, o), {1, 3, 7, 10},
               convt2d_e);
}

TEST(NNConvTranspose, PaddingLargerThanKernelCrops) {
  // x = seq((1,1,4)); w = seq((1,2,2), 0.3, 0.1); F.conv_transpose1d(x, w, stride=3, padding=2)
  ConvOptions o;
  o.stride = {3};
  o.padding = {2};
  expect_close(nn::conv_transpose(seq({1, 1, 4}), seq({1, 2, 2}, 0.3, 0.1), std::nullopt, o), {1, 2, 7}, convt_crop_e);
  // Unbatched input gives an unbatched output.
  EXPECT_EQ(nn::conv_transpose(seq({1, 4}), seq({1, 2, 2}, 0.3, 0.1), std::nullopt, o).shape(), (Shape{2, 7}));
}

TEST(NNConvTranspose, ValidationErrors) {
  ConvOptions o;
  o.stride = {2};
  o.output_padding = {2};
  expect_error([&] { nn::conv_transpose(seq({1, 2, 4}), seq({2, 3, 3}), std::nullopt, o); }, "output_padding");
  expect_error([&] { nn::conv_transpose(seq({1, 3, 4}), seq({2, 3, 3})); }, "input channels");
  ConvOptions big;
  big.padding = {5};
  expect_error([&] { nn::conv_transpose(seq({1, 2, 4}), seq({2, 3, 3}), std::nullopt, big); }, "not positive");
}

TEST(NNConvTranspose, IsTheAdjointOfConv) {
  // <conv(x, w), y> == <x, conv_transpose(y, w)> for matching options (the defining property).
  ConvOptions o;
  o.stride = {2, 3};
  o.padding = {1, 2};
  o.dilation = {2, 1};
  o.groups = 2;
  Tensor x = seq({2, 4, 9, 10}, 0.37, 0.0).cast(f64), w = seq({6, 2, 3, 4}, 0.83, 0.5).cast(f64);
  Tensor y = nn::conv(x, w, std::nullopt, o);
  Tensor c = seq(y.shape(), 0.29, 1.0).cast(f64);
  ConvOptions ot = o;
  // Output sizes of the transpose: pick output_padding so that it recovers x's spatial size.
  ot.output_padding = {(9 + 2 * 1 - 2 * 2 - 1) % 2, (10 + 2 * 2 - 1 * 3 - 1) % 3};
  Tensor xt = nn::conv_transpose(c, w, std::nullopt, ot);
  ASSERT_EQ(xt.shape(), x.shape());
  double lhs = sum(mul(y, c)).item<double>(), rhs = sum(mul(x, xt)).item<double>();
  EXPECT_NEAR(lhs, rhs, 1e-9 * (1 + std::fabs(lhs)));
}

// ---------------------------------------------------------------- pools

TEST(NNPool, MaxPool2dCeilPaddingDilation) {
  // x = seq((1,2,5,7)); F.max_pool2d(x, (3,2), stride=(2,2), padding=(1,1), dilation=(1,2), ceil_mode=True)
  PoolOptions o;
  o.kernel = {3, 2};
  o.stride = {2, 2};
  o.padding = {1, 1};
  o.dilation = {1, 2};
  o.ceil_mode = true;
  expect_close(nn::max_pool(seq({1, 2, 5, 7}), o), {1, 2, 3, 4}, maxpool2d_e);
}

TEST(NNPool, AvgPool2dCountsPaddingLikeTorch) {
  // F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True); F.avg_pool2d(x, (2,3), stride=(1,2), padding=(1,0))
  Tensor x = seq({1, 2, 5, 7});
  PoolOptions o;
  o.kernel = {3, 3};
  o.stride = {2};
  o.padding = {1};
  o.ceil_mode = true;
  expect_close(nn::avg_pool(x, o), {1, 2, 3, 4}, avgpool2d_e);
  PoolOptions f;
  f.kernel = {2, 3};
  f.stride = {1, 2};
  f.padding = {1, 0};
  expect_close(nn::avg_pool(x, f), {1, 2, 6, 3}, avgpool2d_floor_e);
}

TEST(NNPool, CeilModeDropsWindowStartingInRightPadding) {
  // x1 = seq((2,5)); F.max_pool1d(x1, 2, stride=2, padding=1, ceil_mode=True) (and avg_pool1d)
  PoolOptions o;
  o.kernel = {2};
  o.padding = {1};
  o.ceil_mode = true;
  expect_close(nn::max_pool(seq({2, 5}), o), {2, 3}, maxpool1d_ceil_e);
  expect_close(nn::avg_pool(seq({2, 5}), o), {2, 3}, avgpool1d_ceil_e);
}

TEST(NNPool, MaxPoolIntegersPadWithLowest) {
  // F.max_pool1d([[[3, -7, 2, 9, -1]]], 2, stride=2, padding=1)
  PoolOptions o;
  o.kernel = {2};
  o.padding = {1};
  Tensor r = nn::max_pool(tensor(std::vector<int32_t>{3, -7, 2, 9, -1}, {1, 1, 5}, i32), o);
  EXPECT_EQ(r.dtype(), i32);
  expect_close(r, {1, 1, 3}, maxpool_int_e);
}

TEST(NNPool, ValidationErrors) {
  Tensor x = seq({1, 1, 5, 5});
  PoolOptions pad;
  pad.kernel = {3, 3};
  pad.padding = {2};
  expect_error([&] { nn::max_pool(x, pad); }, "half of the kernel");
  PoolOptions big;
  big.kernel = {7, 7};
  expect_error([&] { nn::avg_pool(x, big); }, "too small");
  PoolOptions dil;
  dil.kernel = {2, 2};
  dil.dilation = {2};
  expect_error([&] { nn::avg_pool(x, dil); }, "dilation");
  PoolOptions k3;
  k3.kernel = {2, 2, 2};
  expect_error([&] { nn::max_pool(seq({2, 2, 2}), k3); }, "[max_pool]");
}

// ---------------------------------------------------------------- attention

TEST(NNAttention, PlainCausalBoolAndFloatMasks) {
  // q = seq((2,3,4)); k = seq((2,5,4), 0.53, 0.7); v = seq((2,5,3), 0.29, 1.1); sdpa = the torch 2
  // math reference (softmax(q k^T * scale + bias) v) written out in the script above.
  Tensor q = seq({2, 3, 4}), k = seq({2, 5, 4}, 0.53, 0.7), v = seq({2, 5, 3}, 0.29, 1.1);
  Shape s{2, 3, 3};
  expect_close(nn::scaled_dot_product_attention(q, k, v), s, sdpa_plain_e);
  expect_close(nn::scaled_dot_product_attention(q, k, v, std::nullopt, true), s, sdpa_causal_e);
  // Row 1 masks everything: NaN like torch.
  Tensor m = tensor({{true, false, true, true, false}, {false, false, false, false, false}, {true, true, true, true, true}});
  expect_close(nn::scaled_dot_product_attention(q, k, v, m, false, 0.3), s, sdpa_bool_e);
  expect_close(nn::scaled_dot_product_attention(q, k, v, seq({3, 5}, 1.3, 0.2)), s, sdpa_float_e);
}

TEST(NNAttention, BroadcastsBatchDimsAndValidates) {
  Tensor q = seq({2, 1, 3, 4}), k = seq({1, 2, 5, 4}, 0.53, 0.7), v = seq({1, 2, 5, 6}, 0.29, 1.1);
  EXPECT_EQ(nn::scaled_dot_product_attention(q, k, v).shape(), (Shape{2, 2, 3, 6}));
  expect_error([&] { nn::scaled_dot_product_attention(q, seq({1, 2, 5, 3}), v); }, "embedding");
  expect_error([&] { nn::scaled_dot_product_attention(q, k, v, tensor({{true}}), true); }, "not both");
  expect_error([&] { nn::scaled_dot_product_attention(q, k, v, seq({3, 5}).cast(f64)); }, "attn_mask");
}

// ---------------------------------------------------------------- losses

TEST(NNLoss, CrossEntropyClassIndices) {
  // lg = seq((4,5), 0.83, 0.1) * 3; t = [1, 0, 4, 2]
  // F.cross_entropy(lg, t); F.cross_entropy(lg, t, reduction='none'|'sum', label_smoothing=0.1)
  Tensor lg = seq({4, 5}, 0.83, 0.1) * 3.0;
  Tensor t = tensor({1, 0, 4, 2});
  expect_close(nn::cross_entropy(lg, t), {}, ce_mean_e);
  expect_close(nn::cross_entropy(lg, t, Reduction::none, 0.1), {4}, ce_ls_none_e);
  expect_close(nn::cross_entropy(lg, t, Reduction::sum, 0.1), {}, ce_ls_sum_e);
  expect_close(nn::cross_entropy(lg, t.cast(i32)), {}, ce_mean_e);
  // Unbatched: F.cross_entropy(lg[0], t[0])
  expect_close(nn::cross_entropy(lg[0], t[0]), {}, ce_unbatched_e);
  // F.nll_loss(F.log_softmax(lg, 1), t, reduction='sum')
  expect_close(nn::nll_loss(nn::log_softmax(lg, 1), t, Reduction::sum), {}, nll_e);
}

TEST(NNLoss, CrossEntropySpatialAndProbabilities) {
  // lg3 = seq((2,3,4), 0.71, 0.5) * 2; t3 = [[0,2,1,1],[2,2,0,1]]; F.cross_entropy(lg3, t3, label_smoothing=0.2)
  Tensor lg3 = seq({2, 3, 4}, 0.71, 0.5) * 2.0;
  Tensor t3 = tensor({{0, 2, 1, 1}, {2, 2, 0, 1}});
  expect_close(nn::cross_entropy(lg3, t3, Reduction::mean, 0.2), {}, ce_3d_e);
  // pt = softmax(seq((4,5), 1.7, 0.4), -1); F.cross_entropy(lg, pt, label_smoothing=0.1)
  Tensor lg = seq({4, 5}, 0.83, 0.1) * 3.0;
  Tensor pt = nn::softmax(seq({4, 5}, 1.7, 0.4), -1);
  expect_close(nn::cross_entropy(lg, pt, Reduction::mean, 0.1), {}, ce_prob_e);
}

TEST(NNLoss, CrossEntropyErrors) {
  Tensor lg = seq({4, 5});
  expect_error([&] { nn::cross_entropy(lg, tensor({1, 0, 5, 2})); }, "out of range");
  expect_error([&] { nn::cross_entropy(lg, tensor({1, 0, -1, 2})); }, "out of range");
  expect_error([&] { nn::cross_entropy(lg, tensor({1, 0})); }, "shape");
  expect_error([&] { nn::cross_entropy(lg, seq({4, 4})); }, "shape");
  expect_error([&] { nn::cross_entropy(lg, tensor({1, 0, 3, 2}), Reduction::mean, 1.5); }, "label_smoothing");
  expect_error([&] { nn::nll_loss(lg, seq({4})); }, "integer");
}

TEST(NNLoss, RegressionAndBinary) {
  // F.mse_loss(seq((3,4)), seq((3,4), 0.9, 2.0))
  expect_close(nn::mse_loss(seq({3, 4}), seq({3, 4}, 0.9, 2.0)), {}, mse_e);
  // F.binary_cross_entropy([0, 1, 0.3, 0.9, 0.5], [1, 1, 0, 1, 0.25], reduction='none'): log clamped at -100
  Tensor p = tensor({0.f, 1.f, 0.3f, 0.9f, 0.5f}), y = tensor({1.f, 1.f, 0.f, 1.f, 0.25f});
  expect_close(nn::binary_cross_entropy(p, y, Reduction::none), {5}, bce_e);
  // F.binary_cross_entropy_with_logits([-100, -3, 0, 2, 100], [1, 0, 0.5, 1, 0], reduction='none')
  Tensor z = tensor({-100.f, -3.f, 0.f, 2.f, 100.f}), y2 = tensor({1.f, 0.f, 0.5f, 1.f, 0.f});
  expect_close(nn::binary_cross_entropy_with_logits(z, y2, Reduction::none), {5}, bcel_e);
  double m = 0;
  for (double v : bcel_e) m += v;
  expect_close(nn::binary_cross_entropy_with_logits(z, y2), {}, {m / 5});
  expect_close(nn::binary_cross_entropy_with_logits(z, y2, Reduction::sum), {}, {m});
  expect_error([&] { nn::binary_cross_entropy(p, tensor({1.f})); }, "same shape");
}

// ---------------------------------------------------------------- normalisation, dropout

TEST(NNNorm, BatchNormTrainingAndEval) {
  // x = seq((3,2,4)); w = [1.5, -0.5]; b = [0.1, 0.2]
  // F.batch_norm(x, None, None, w, b, training=True)
  // F.batch_norm(x, [0.2, -0.1], [0.5, 2.0], w, b, training=False, eps=1e-3)
  Tensor x = seq({3, 2, 4});
  Tensor w = tensor({1.5f, -0.5f}), b = tensor({0.1f, 0.2f});
  expect_close(nn::batch_norm(x, std::nullopt, std::nullopt, w, b, true), {3, 2, 4}, bn_train_e);
  Tensor rm = tensor({0.2f, -0.1f}), rv = tensor({0.5f, 2.0f});
  expect_close(nn::batch_norm(x, rm, rv, w, b, false, 1e-3), {3, 2, 4}, bn_eval_e);
  expect_error([&] { nn::batch_norm(x, std::nullopt, std::nullopt, std::nullopt, std::nullopt, false); }, "running_mean");
  expect_error([&] { nn::batch_norm(seq({1, 2}), std::nullopt, std::nullopt, std::nullopt, std::nullopt, true); },
               "more than 1 value");
  expect_error([&] { nn::batch_norm(x, std::nullopt, std::nullopt, tensor({1.f}), std::nullopt, true); }, "weight");
}

TEST(NNNorm, LayerNorm) {
  // F.layer_norm(x, (2,4), seq((2,4), 0.4, 1.0), seq((2,4), 0.6, 2.0)); F.layer_norm(x, (4,))
  Tensor x = seq({3, 2, 4});
  expect_close(nn::layer_norm(x, {2, 4}, seq({2, 4}, 0.4, 1.0), seq({2, 4}, 0.6, 2.0)), {3, 2, 4}, ln_e);
  expect_close(nn::layer_norm(x, {4}), {3, 2, 4}, ln1_e);
  expect_error([&] { nn::layer_norm(x, {3}); }, "normalized_shape");
  expect_error([&] { nn::layer_norm(x, {4}, seq({2, 4})); }, "weight");
}

TEST(NNDropout, MaskAndScale) {
  Tensor x = ones({1000}) * 3.0;
  Tensor key = random::key(42);
  EXPECT_EQ(nn::dropout(x, 0.25, key, false).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(nn::dropout(x, 0.0, key).to_vector<float>(), x.to_vector<float>());
  std::vector<float> all = nn::dropout(x, 1.0, key).to_vector<float>();
  for (float v : all) EXPECT_EQ(v, 0.f);
  std::vector<float> d = nn::dropout(x, 0.25, key).to_vector<float>();
  int kept = 0;
  for (float v : d) {
    EXPECT_TRUE(v == 0.f || v == 4.f) << v;
    kept += v != 0.f;
  }
  EXPECT_GT(kept, 690);  // 750 expected; 6 sigma is ~82
  EXPECT_LT(kept, 810);
  // Same key, same mask; the result is deterministic.
  EXPECT_EQ(nn::dropout(x, 0.25, key).to_vector<float>(), d);
  expect_error([&] { nn::dropout(x, 1.5, key); }, "[0, 1]");
  expect_error([&] { nn::dropout(x, -0.1, key); }, "[0, 1]");
}
