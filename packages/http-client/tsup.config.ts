import { scalingPackage } from '../../tsup.config';

export default scalingPackage();
